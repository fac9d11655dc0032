# Retries inside an HTTP client (requests with urllib3's Retry on 500: the first try and two retries, each
# on the wire) are one network/http decision for the one request the agent made, and no connect or dns
# decision below it (R-45: one decision per request, not one per retry or pooled connection).
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["retried: RetryError"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/status/500/retried", "method": "GET", "framework": "requests"}}
# event: {"count": 1, "action": {"type": "network", "subtype": "http"}}
# no-event: {"action": {"subtype": "connect"}}
# no-event: {"action": {"subtype": "dns"}}
import os

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]
s = requests.Session()
s.mount("http://", HTTPAdapter(max_retries=Retry(total=2, status_forcelist=[500], backoff_factor=0)))
try:
    s.get(base + "/status/500/retried", timeout=5)
    print("retried: no error")
except requests.exceptions.RetryError:
    print("retried: RetryError")
