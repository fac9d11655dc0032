# Under `trusted`: os.mkdir and os.makedirs are allowed (rule `writes`, subtype mkdir, one decision per created level); os.rmdir is a delete, reviewed and blocked on timeout.
# irongate: {"args": ["--profile", "trusted", "--review-timeout", "0.3"], "exit": 0, "stdout": ["mkdir: True", "makedirs: True", "rmdir: PermissionError", "still: True"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "mkdir", "path": "{WORK}/d1"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "mkdir", "path": "{WORK}/a"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "mkdir", "path": "{WORK}/a/b"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "mkdir", "path": "{WORK}/a/b/c"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "deletes"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "delete", "path": "{WORK}/d1"}}
# event: {"count": 1, "layer": "review", "decision": "block", "action": {"type": "file", "subtype": "delete", "path": "{WORK}/d1"}}
# no-event: {"layer": "syscall", "action": {"path": "re:^{WORK}"}}
import os

os.chdir("/")  # absolute paths only: relative ones are covered by path_relative_trusted.py
work = os.environ["IRONGATE_TEST_WORK"]
os.mkdir(work + "/d1")
print("mkdir:", os.path.isdir(work + "/d1"))
os.makedirs(work + "/a/b/c")
print("makedirs:", os.path.isdir(work + "/a/b/c"))
try:
    os.rmdir(work + "/d1")
    print("rmdir: done")
except PermissionError as e:
    print("rmdir:", type(e).__name__)
print("still:", os.path.isdir(work + "/d1"))
