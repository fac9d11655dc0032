# pathlib under `sandboxed`: Path.read_text is an allowed read; Path.write_text and Path.touch (C.5) are writes, blocked with missing_capability:file.write and nothing is created.
# irongate: {"exit": 0, "stdout": ["read_text: notes", "write_text: PermissionError", "touch: PermissionError", "exists: False False"], "files": {"notes.md": "notes"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.md"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "rule": null, "action": {"type": "file", "subtype": "write", "path": "{WORK}/written.md", "mode": "w"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "rule": null, "action": {"type": "file", "subtype": "write", "path": "{WORK}/touched"}}
# no-event: {"decision": "allow", "action": {"subtype": "write"}}
from pathlib import Path

print("read_text:", Path("notes.md").read_text())
for label, op in (("write_text", lambda: Path("written.md").write_text("x")), ("touch", lambda: Path("touched").touch())):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("exists:", Path("written.md").exists(), Path("touched").exists())
