# http.client.HTTPConnection under `read_only`: two requests on one connection, each one network/http decision (framework http.client) with the full URL and method; the connect below is explained, not decided.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["200 ok GET /hc/a", "200 ok POST /hc/b"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/hc/a", "method": "GET", "framework": "http.client"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/hc/b", "method": "POST", "framework": "http.client"}}
# event: {"count": 2, "action": {"type": "network", "subtype": "http"}}
# no-event: {"action": {"subtype": "connect"}}
# no-event: {"action": {"subtype": "dns"}}
import http.client
import os

host, port = os.environ["IRONGATE_TEST_HTTP"].rsplit(":", 1)
conn = http.client.HTTPConnection(host, int(port), timeout=10)
for method, path in (("GET", "/hc/a"), ("POST", "/hc/b")):
    conn.request(method, path, body=b"x" if method == "POST" else None)
    r = conn.getresponse()
    print(r.status, r.read().decode())
conn.close()
