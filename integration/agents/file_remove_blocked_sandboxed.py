# os.remove and os.unlink under `sandboxed` (no file.delete): blocked with missing_capability:file.delete, relative and absolute paths judged on the real file, which survives.
# irongate: {"exit": 0, "stdout": ["remove rel: PermissionError", "unlink abs: PermissionError", "remove rel again via dir: PermissionError", "still there: True True"], "files": {"a.txt": "a", "sub/b.txt": "b"}}
# event: {"count": 2, "layer": "hook", "decision": "block", "reason": "missing_capability:file.delete", "rule": null, "action": {"type": "file", "subtype": "delete", "path": "{WORK}/a.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.delete", "rule": null, "action": {"type": "file", "subtype": "delete", "path": "{WORK}/sub/b.txt", "requested": "sub/../sub/b.txt"}}
# no-event: {"action": {"path": "re:/proc/"}}
# no-event: {"decision": "allow", "action": {"subtype": "delete"}}
import os

work = os.environ["IRONGATE_TEST_WORK"]
for label, fn, path in (
    ("remove rel", os.remove, "a.txt"),
    ("unlink abs", os.unlink, os.path.join(work, "a.txt")),
    ("remove rel again via dir", os.remove, "sub/../sub/b.txt"),
):
    try:
        fn(path)
        print(label + ": removed")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("still there:", os.path.exists("a.txt"), os.path.exists("sub/b.txt"))
