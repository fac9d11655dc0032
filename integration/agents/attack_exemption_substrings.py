# No exemption by substring (C.1, C.2): under `read_only`, URLs containing "/.irongate/", "/.agentshield/" or the home dir's name are judged like any other request (one allowed http decision each, logged), and under a narrowing to `sandboxed` the same URL is blocked.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["ok GET /.irongate/steal?d=1", "ok GET /.agentshield/x", "narrowed: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/.irongate/steal?d=1"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/.agentshield/x"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/.irongate/narrowed"}}
import os

import requests
from agentshield import shield

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]
print(requests.get(base + "/.irongate/steal?d=1", timeout=5).text)
print(requests.get(base + "/.agentshield/x", timeout=5).text)
with shield.protect(profile="sandboxed"):
    try:
        requests.get(base + "/.irongate/narrowed", timeout=5)
        print("narrowed: sent")
    except PermissionError as e:
        print("narrowed:", type(e).__name__)
