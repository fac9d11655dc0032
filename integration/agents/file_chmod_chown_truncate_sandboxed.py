# os.chmod, os.chown and os.truncate under `sandboxed` all need file.write: blocked, mode, owner and size unchanged.
# irongate: {"exit": 0, "stdout": ["chmod: PermissionError", "chown: PermissionError", "truncate: PermissionError", "unchanged: True"], "files": {"run.sh": "echo hi\n"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "rule": null, "action": {"type": "file", "subtype": "chmod", "path": "{WORK}/run.sh", "mode": "755"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "rule": null, "action": {"type": "file", "subtype": "chown", "path": "{WORK}/run.sh"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "rule": null, "action": {"type": "file", "subtype": "truncate", "path": "{WORK}/run.sh"}}
# no-event: {"decision": "allow", "action": {"subtype": "re:^(chmod|chown|truncate)$"}}
# no-event: {"action": {"path": "re:/proc/"}}
import os

before = os.stat("run.sh")
for label, op in (
    ("chmod", lambda: os.chmod("run.sh", 0o755)),
    ("chown", lambda: os.chown("run.sh", 65534, 65534)),
    ("truncate", lambda: os.truncate("run.sh", 0)),
):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
after = os.stat("run.sh")
print("unchanged:", (before.st_mode, before.st_uid, before.st_size) == (after.st_mode, after.st_uid, after.st_size))
