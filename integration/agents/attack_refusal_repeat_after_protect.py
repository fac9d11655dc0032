# A kept refusal (one decision per request, R-45) belongs to the profile it was decided under: under `read_only`,
# a GET refused inside shield.protect(profile="sandboxed") and retried right after leaving the scope is decided
# again under the run's profile and allowed (the repeat of a refusal made inside a narrowing must not outlive it,
# nor be answered without a row). A retry inside the scope is still one refusal row.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["inside 1: PermissionError", "inside 2: PermissionError", "after: ok GET /scoped/retry"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/scoped/retry", "method": "GET"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/scoped/retry", "method": "GET"}}
import os
import urllib.request

from agentshield import shield

url = "http://" + os.environ["IRONGATE_TEST_HTTP"] + "/scoped/retry"


def attempt(label):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            print(f"{label}:", r.read().decode())
    except PermissionError as e:
        print(f"{label}:", type(e).__name__)


with shield.protect(profile="sandboxed"):
    attempt("inside 1")
    attempt("inside 2")
attempt("after")
