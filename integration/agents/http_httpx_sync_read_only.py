# httpx sync (module function and Client) under `read_only`: each request is one network/http decision (framework httpx) with url and method; nothing below it is decided again.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["get: 200 ok GET /hx/get", "client post: ok POST /hx/post"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/hx/get", "method": "GET", "framework": "httpx"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/hx/post", "method": "POST", "framework": "httpx"}}
# event: {"count": 2, "action": {"type": "network", "subtype": "http"}}
# no-event: {"action": {"subtype": "connect"}}
# no-event: {"action": {"subtype": "dns"}}
import os

import httpx

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]
r = httpx.get(base + "/hx/get", timeout=10)
print("get:", r.status_code, r.text)
with httpx.Client(timeout=10) as c:
    print("client post:", c.post(base + "/hx/post", json={"a": 1}).text)
