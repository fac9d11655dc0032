# requests under the default `sandboxed` profile (no network.http): get, post and a Session request are each blocked once with missing_capability:network.http before any byte is sent; the agent sees PermissionError naming the URL.
# irongate: {"exit": 0, "stdout": ["get: PermissionError irongate blocked network/http http://{HTTP}/deny/get: missing_capability:network.http", "post: PermissionError", "session: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "rule": null, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/deny/get", "method": "GET", "framework": "requests"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/deny/post", "method": "POST"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/deny/session", "method": "GET"}}
# no-event: {"decision": "allow", "action": {"type": "network"}}
# no-event: {"action": {"subtype": "connect"}}
import os

import requests

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]
for label, op in (
    ("get", lambda: requests.get(base + "/deny/get", timeout=5)),
    ("post", lambda: requests.post(base + "/deny/post", data="secret", timeout=5)),
    ("session", lambda: requests.Session().get(base + "/deny/session", timeout=5)),
):
    try:
        r = op()
        print(label + ": got", r.text)
    except PermissionError as e:
        print(label + ":", type(e).__name__, e)
