# os.mkdir, os.makedirs (needs file.write) and os.rmdir (needs file.delete) under `sandboxed`: all blocked before any rule; nothing changes on disk.
# irongate: {"exit": 0, "stdout": ["mkdir: PermissionError", "makedirs: PermissionError", "rmdir: PermissionError", "state: False False True"], "files": {"old/.keep": ""}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "rule": null, "action": {"type": "file", "subtype": "mkdir", "path": "{WORK}/newdir"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "rule": null, "action": {"type": "file", "subtype": "mkdir", "path": "{WORK}/deep"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.delete", "rule": null, "action": {"type": "file", "subtype": "delete", "path": "{WORK}/old"}}
# no-event: {"decision": "allow", "action": {"subtype": "re:^(mkdir|delete)$"}}
# no-event: {"action": {"path": "re:/proc/"}}
import os

for label, op in (
    ("mkdir", lambda: os.mkdir("newdir")),
    ("makedirs", lambda: os.makedirs("deep/er/est")),
    ("rmdir", lambda: os.rmdir("old")),
):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("state:", os.path.isdir("newdir"), os.path.isdir("deep"), os.path.isdir("old"))
