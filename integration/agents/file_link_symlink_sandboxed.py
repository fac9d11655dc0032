# os.link and os.symlink under `sandboxed` need file.write: both blocked; a hard link is judged on the file it reaches, a symlink on the link it creates.
# irongate: {"exit": 0, "stdout": ["link: PermissionError", "symlink: PermissionError", "state: False False"], "files": {"orig.txt": "o"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "rule": null, "action": {"type": "file", "subtype": "link", "path": "{WORK}/orig.txt", "target": "{WORK}/hard.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "rule": null, "action": {"type": "file", "subtype": "symlink", "path": "{WORK}/soft.txt", "target": "orig.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "re:link"}}
# no-event: {"action": {"path": "re:/proc/"}}
import os

for label, op in (("link", lambda: os.link("orig.txt", "hard.txt")), ("symlink", lambda: os.symlink("orig.txt", "soft.txt"))):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("state:", os.path.exists("hard.txt"), os.path.lexists("soft.txt"))
