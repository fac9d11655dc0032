# shutil under `sandboxed`: copy reads the source (allowed) but its write is blocked; copytree, rmtree and move are blocked before touching anything.
# irongate: {"exit": 0, "stdout": ["copy: PermissionError", "copytree: PermissionError", "rmtree: PermissionError", "move: PermissionError", "state: False False True True"], "files": {"src.txt": "s", "tree/x.txt": "x"}}
# event: {"layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/src.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/copy.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/tree2"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.delete", "action": {"type": "file", "subtype": "delete", "path": "{WORK}/tree"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "rename", "path": "{WORK}/src.txt", "target": "{WORK}/moved.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "re:^(write|delete|rename|mkdir)$"}}
import os
import shutil

for label, op in (
    ("copy", lambda: shutil.copy("src.txt", "copy.txt")),
    ("copytree", lambda: shutil.copytree("tree", "tree2")),
    ("rmtree", lambda: shutil.rmtree("tree")),
    ("move", lambda: shutil.move("src.txt", "moved.txt")),
):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("state:", os.path.exists("copy.txt"), os.path.exists("tree2"), os.path.exists("tree/x.txt"), os.path.exists("src.txt"))
