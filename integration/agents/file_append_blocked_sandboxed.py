# `sandboxed` has no file.write: open(p, "a") is a write, blocked before any rule; the file keeps its content.
# irongate: {"exit": 0, "stdout": ["blocked append: irongate blocked file/write {WORK}/log.txt: missing_capability:file.write", "content: 'line1\\n'"], "files": {"log.txt": "line1\n"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "rule": null, "action": {"type": "file", "subtype": "write", "path": "{WORK}/log.txt", "mode": "a"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/log.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "write"}}
# no-event: {"unexplained": true}
try:
    with open("log.txt", "a") as f:
        f.write("line2\n")
except PermissionError as e:
    print("blocked append:", e)
with open("log.txt") as f:
    print("content:", repr(f.read()))
