# Shared-state attacks of the original (B.11-B.15, B.31) change no decision: the agentshield policy/profile cannot be read or changed, audit hooks cannot be deactivated, and replacing irongate.check, shield.protect and even the native _irongate.decide inside the agent leaves writes blocked (native hook) and HTTP blocked at its socket (kernel/hook layers).
# irongate: {"exit": 0, "stdout": ["policy.policies: PermissionError", "set_capability_profile: PermissionError", "deactivate_audit_hooks: PermissionError", "fake check says: allow", "write after patching: PermissionError", "http after patching decide: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/pwned.txt"}}
# event: {"layer": "hook", "decision": "block", "reason": "missing_capability:network.socket", "action": {"type": "network", "subtype": "connect", "target": "{HTTP}"}}
# no-event: {"decision": "allow", "action": {"type": "network", "subtype": "re:^(connect|http)$"}}
# no-event: {"decision": "allow", "action": {"subtype": "write"}}
import contextlib
import os

import _irongate
import agentshield
import irongate

for label, op in (
    ("policy.policies", lambda: agentshield.policy.policies["rules"].insert(0, {"decision": "allow"})),
    ("set_capability_profile", lambda: agentshield.policy.set_capability_profile("trusted")),
    ("deactivate_audit_hooks", agentshield.deactivate_audit_hooks),
):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)

allow = ("allow", "patched", "null", "")
irongate.check = lambda action: {"decision": "allow", "reason": "patched", "rule": None}
agentshield.shield.protect = lambda *a, **k: contextlib.nullcontext()
_irongate.decide = lambda layer, action: allow
print("fake check says:", irongate.check({"type": "file", "subtype": "write", "path": "x"})["decision"])
try:
    with agentshield.shield.protect(profile="trusted"):
        open("pwned.txt", "w").write("x")
    print("write after patching: done")
except PermissionError as e:
    print("write after patching:", type(e).__name__)

import requests  # noqa: E402  (imported after the patch: its enrichment now asks the fake)

try:
    requests.get("http://" + os.environ["IRONGATE_TEST_HTTP"] + "/pwned", timeout=5)
    print("http after patching decide: sent")
except requests.ConnectionError as e:
    cause = e
    while cause.__context__ is not None and not isinstance(cause, PermissionError):
        cause = cause.__context__
    print("http after patching decide:", type(cause).__name__)
except PermissionError as e:
    print("http after patching decide:", type(e).__name__)
