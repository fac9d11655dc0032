# urllib.request.urlopen under `read_only`: a plain GET and a Request with data and method PUT (C.15: the URL, not the Request repr) are one network/http decision each, with the full URL and method.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["get: ok GET /u/get?x=1", "put: ok PUT /u/put"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/u/get?x=1", "method": "GET"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/u/put", "method": "PUT"}}
# event: {"count": 2, "action": {"type": "network", "subtype": "http"}}
# no-event: {"action": {"subtype": "connect"}}
# no-event: {"action": {"subtype": "dns"}}
import os
import urllib.request

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]
with urllib.request.urlopen(base + "/u/get?x=1", timeout=10) as r:
    print("get:", r.read().decode())
req = urllib.request.Request(base + "/u/put", data=b"payload", method="PUT")
with urllib.request.urlopen(req, timeout=10) as r:
    print("put:", r.read().decode())
