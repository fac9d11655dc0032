# urllib.request and http.client under `sandboxed`: each request is blocked once with missing_capability:network.http and raises PermissionError before connecting.
# irongate: {"exit": 0, "stdout": ["urlopen: PermissionError", "http.client: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/deny/u", "method": "POST"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/deny/hc", "method": "GET", "framework": "http.client"}}
# event: {"count": 2, "action": {"type": "network"}}
# no-event: {"decision": "allow", "action": {"type": "network"}}
import http.client
import os
import urllib.request

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]
try:
    urllib.request.urlopen(base + "/deny/u", data=b"secret", timeout=5)
    print("urlopen: sent")
except PermissionError as e:
    print("urlopen:", type(e).__name__)
host, port = os.environ["IRONGATE_TEST_HTTP"].rsplit(":", 1)
try:
    c = http.client.HTTPConnection(host, int(port), timeout=5)
    c.request("GET", "/deny/hc")
    print("http.client: sent", c.getresponse().status)
except PermissionError as e:
    print("http.client:", type(e).__name__)
