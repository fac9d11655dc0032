# Narrowing applies to the whole process while a scope is open (a thread cannot escape it, R-44) and to HTTP too:
# under `read_only`, while a worker thread is inside shield.protect(profile="sandboxed"), both its request and the
# main thread's are blocked (missing_capability:network.http); after the scope both threads' requests work again.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["thread narrowed: PermissionError", "main narrowed: PermissionError", "main after: ok GET /main-after", "thread after: ok GET /thread-after"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/thread-narrowed"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/main"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/main-after"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/thread-after"}}
import os
import threading

import requests
from agentshield import shield

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]
inside = threading.Event()
main_done = threading.Event()
left = threading.Event()
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
    left.set()
    out["after"] = requests.get(base + "/thread-after", timeout=5).text


t = threading.Thread(target=worker)
t.start()
inside.wait(10)
try:
    requests.get(base + "/main", timeout=5)
    print("main narrowed: sent")
except PermissionError as e:
    print("main narrowed:", type(e).__name__)
main_done.set()
left.wait(10)
print("main after:", requests.get(base + "/main-after", timeout=5).text)
t.join()
print("thread narrowed:", out["narrowed"])
print("thread after:", out["after"])
