# `sandboxed` has no file.write: a write raises PermissionError naming the action and reason.
# irongate: {"exit": 0, "stdout": ["blocked: irongate blocked file/write {WORK}/out.txt: missing_capability:file.write"]}
# event: {"count": 1, "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/out.txt"}}
import os
try:
    open("out.txt", "w").write("x")
except PermissionError as e:
    print("blocked:", e)
assert not os.path.exists("out.txt")
