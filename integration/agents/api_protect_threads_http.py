# Narrowing is per thread and applies to HTTP too: under `read_only`, a thread inside shield.protect(profile="sandboxed") has its request blocked (missing_capability:network.http) while the main thread's request at the same time is allowed; after the scope the thread's requests work again.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["thread narrowed: PermissionError", "main: ok GET /main", "thread after: ok GET /thread-after"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/thread-narrowed"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/main"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/thread-after"}}
import os
import threading

import requests
from agentshield import shield

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]
inside = threading.Event()
main_done = threading.Event()
out = {}


def worker():
    with shield.protect(profile="sandboxed"):
        inside.set()
        main_done.wait(10)
        try:
            requests.get(base + "/thread-narrowed", timeout=5)
            out["narrowed"] = "sent"
        except PermissionError as e:
            out["narrowed"] = type(e).__name__
    out["after"] = requests.get(base + "/thread-after", timeout=5).text


t = threading.Thread(target=worker)
t.start()
inside.wait(10)
print("main:", requests.get(base + "/main", timeout=5).text)
main_done.set()
t.join()
print("thread narrowed:", out["narrowed"])
print("thread after:", out["after"])
