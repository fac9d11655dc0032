# Under `trusted` renames are reviewed (rule `renames`): os.rename and os.replace each wait, time out and are blocked; one held decision per call, never a second one at the kernel layer.
# irongate: {"args": ["--profile", "trusted", "--review-timeout", "0.3"], "exit": 0, "stdout": ["rename: PermissionError", "replace: PermissionError", "state: True False"], "files": {"a.txt": "a"}}
# event: {"count": 2, "layer": "hook", "decision": "review", "rule": {"name": "renames"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/a.txt", "target": "{WORK}/b.txt"}}
# event: {"count": 2, "layer": "review", "decision": "block", "action": {"type": "file", "subtype": "rename", "path": "{WORK}/a.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "rename"}}
# no-event: {"layer": "syscall", "action": {"path": "re:^{WORK}"}}
import os

os.chdir("/")  # absolute paths only: relative ones are covered by path_relative_trusted.py
work = os.environ["IRONGATE_TEST_WORK"]

for label, fn in (("rename", os.rename), ("replace", os.replace)):
    try:
        fn(work + "/a.txt", work + "/b.txt")
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("state:", os.path.exists(work + "/a.txt"), os.path.exists(work + "/b.txt"))
