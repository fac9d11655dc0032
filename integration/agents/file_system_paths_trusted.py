# Even under `trusted`, writes into system directories are blocked by rule system-paths (file.write.dangerous is granted, the rule still blocks); /etc/shadow is blocked by system-secrets even for a read.
# irongate: {"args": ["--profile", "trusted"], "exit": 0, "stdout": ["/etc/irongate-integration-probe: PermissionError", "/usr/bin/irongate-integration-probe: PermissionError", "shadow: PermissionError", "created: False False"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "Changes to system directories blocked", "rule": {"name": "system-paths"}, "action": {"type": "file", "subtype": "write", "path": "/etc/irongate-integration-probe"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "rule": {"name": "system-paths"}, "action": {"type": "file", "subtype": "write", "path": "/usr/bin/irongate-integration-probe"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "System-critical files blocked", "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "re:^/(etc|usr/bin)/"}}
import os

for p in ("/etc/irongate-integration-probe", "/usr/bin/irongate-integration-probe"):
    try:
        with open(p, "w") as f:
            f.write("x")
        print(p + ": written")
    except PermissionError as e:
        print(p + ":", type(e).__name__)
try:
    open("/etc/shadow").read()
    print("shadow: read")
except PermissionError as e:
    print("shadow:", type(e).__name__)
print("created:", os.path.exists("/etc/irongate-integration-probe"), os.path.exists("/usr/bin/irongate-integration-probe"))
