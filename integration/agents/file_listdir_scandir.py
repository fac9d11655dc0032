# Directory listings are reads: os.listdir (explicit and cwd default) and os.scandir are allowed by rule list-dirs in `sandboxed`, one logged decision each.
# irongate: {"exit": 0, "stdout": ["listdir: ['a.txt', 'b.txt', 'sub']", "cwd: ['a.txt', 'b.txt', 'sub']", "scandir: ['c.txt']"], "files": {"a.txt": "", "b.txt": "", "sub/c.txt": ""}}
# event: {"count": 2, "layer": "hook", "decision": "allow", "reason": "Directory listing", "rule": {"name": "list-dirs"}, "action": {"type": "file", "subtype": "list", "path": "{WORK}"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "list-dirs"}, "action": {"type": "file", "subtype": "list", "path": "{WORK}/sub"}}
# no-event: {"decision": "block"}
# no-event: {"unexplained": true}
import os

work = os.environ["IRONGATE_TEST_WORK"]
print("listdir:", sorted(os.listdir(work)))
print("cwd:", sorted(os.listdir()))
with os.scandir("sub") as it:
    print("scandir:", sorted(e.name for e in it))
