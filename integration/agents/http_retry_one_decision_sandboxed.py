# A client retrying a refused request (the openai and anthropic SDKs retry a failed connection twice):
# one decision per request. Three tries of the same urllib GET under `sandboxed` (no network.http)
# each raise PermissionError, but the log holds one block row for that request: the retries get its
# verdict again, counted as repeats in the run, not decided and logged anew. Another URL, and the same URL
# with another method, are requests of their own.
# irongate: {"exit": 0, "stdout": ["try 1: PermissionError", "try 2: PermissionError", "try 3: PermissionError", "other url: PermissionError", "other method: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/deny/retried", "method": "GET"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/deny/other", "method": "GET"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/deny/retried", "method": "POST"}}
# no-event: {"decision": "allow", "action": {"type": "network"}}
import os
import urllib.request

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]


def attempt(label, url, data=None):
    try:
        urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=5)
        print(f"{label}: sent")
    except PermissionError:
        print(f"{label}: PermissionError")


for i in range(1, 4):
    attempt(f"try {i}", base + "/deny/retried")
attempt("other url", base + "/deny/other")
attempt("other method", base + "/deny/retried", data=b"x")
