# tempfile.mkstemp is a write (R-20, C.6: os.open with O_RDWR|O_CREAT|O_EXCL): blocked in `sandboxed`, no file is left behind.
# irongate: {"exit": 0, "stdout": ["mkstemp: PermissionError", "left: ['.keep']"], "files": {"scratch/.keep": ""}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "rule": null, "action": {"type": "file", "subtype": "write", "path": "re:^{WORK}/scratch/agent-[^/]+\\.tmp$"}}
# no-event: {"decision": "allow", "action": {"subtype": "write"}}
import os
import tempfile

try:
    fd, name = tempfile.mkstemp(prefix="agent-", suffix=".tmp", dir="scratch")
    print("mkstemp: created", name)
except PermissionError as e:
    print("mkstemp:", type(e).__name__)
print("left:", sorted(os.listdir("scratch")))
