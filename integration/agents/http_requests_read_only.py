# requests under `--profile read_only` (network.http granted, R-32): GET and POST reach the local server, each logged as exactly one network/http decision with url and method; its DNS lookup and connection are not decided again.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["GET 200 ok GET /req/get?q=1", "POST 200 ok POST /req/post"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "reason": "HTTP request", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/req/get?q=1", "method": "GET", "framework": "requests", "scheme": "http", "host": "127.0.0.1"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/req/post", "method": "POST", "framework": "requests"}}
# event: {"count": 2, "action": {"type": "network", "subtype": "http"}}
# no-event: {"action": {"subtype": "connect"}}
# no-event: {"action": {"subtype": "dns"}}
# no-event: {"layer": "syscall", "action": {"type": "network"}}
# no-event: {"decision": "block", "action": {"subtype": "http"}}
import os

import requests

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]
r = requests.get(base + "/req/get", params={"q": "1"}, timeout=10)
print("GET", r.status_code, r.text)
r = requests.post(base + "/req/post", data={"k": "v"}, timeout=10)
print("POST", r.status_code, r.text)
