# os.rename and os.replace under `sandboxed`: a rename needs file.write (the capability of a write), so both are blocked; the source stays.
# irongate: {"exit": 0, "stdout": ["rename: PermissionError", "replace: PermissionError", "state: True False"], "files": {"draft.txt": "d"}}
# event: {"count": 2, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "rule": null, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/draft.txt", "target": "{WORK}/final.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "rename"}}
# no-event: {"action": {"path": "re:/proc/"}}
import os

for label, fn in (("rename", os.rename), ("replace", os.replace)):
    try:
        fn("draft.txt", "final.txt")
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("state:", os.path.exists("draft.txt"), os.path.exists("final.txt"))
