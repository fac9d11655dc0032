# A kept refusal (one decision per request, R-45) is kept only for a request the agent really made: an
# irongate.check of an HTTP action spelled exactly as urllib's own (same URL, method and framework) is a
# question, answered and logged at the api layer, and the real request that follows is decided and logged
# at the hook layer with a row of its own. Before, the check's refusal was remembered and the real GET was
# refused from memory with no row: a refused request missing from the log.
# irongate: {"exit": 0, "stdout": ["check: block missing_capability:network.http", "request: PermissionError", "again: PermissionError"]}
# event: {"count": 1, "layer": "api", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/asked/first", "method": "GET"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/asked/first", "method": "GET", "framework": "urllib"}}
import os
import urllib.request

import irongate

url = "http://" + os.environ["IRONGATE_TEST_HTTP"] + "/asked/first"
r = irongate.check({"type": "network", "subtype": "http", "url": url, "method": "GET", "framework": "urllib"})
print("check:", r["decision"], r["reason"])
for label in ("request", "again"):
    try:
        urllib.request.urlopen(url, timeout=5)
        print(f"{label}: ok")
    except PermissionError as e:
        print(f"{label}:", type(e).__name__)
