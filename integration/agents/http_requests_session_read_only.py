# A requests.Session (keep-alive pool) under `read_only`: every request on the session is its own single http decision, also when the pooled connection is reused; no connect/dns decisions.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["ok GET /s/1", "ok PUT /s/2", "ok DELETE /s/3", "isinstance: True"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/s/1", "method": "GET", "framework": "requests"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/s/2", "method": "PUT", "framework": "requests"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/s/3", "method": "DELETE", "framework": "requests"}}
# event: {"count": 3, "action": {"type": "network", "subtype": "http"}}
# no-event: {"action": {"subtype": "connect"}}
# no-event: {"action": {"subtype": "dns"}}
import os

import requests
import requests.adapters

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]
with requests.Session() as s:
    s.headers["X-Agent"] = "integration"
    print(s.get(base + "/s/1", timeout=10).text)
    print(s.put(base + "/s/2", data=b"body", timeout=10).text)
    print(s.delete(base + "/s/3", timeout=10).text)
    print("isinstance:", isinstance(s.get_adapter(base), requests.adapters.HTTPAdapter))
