# Under `trusted` the built-in policy reviews every delete (rule `deletes`): nobody answers, so after --review-timeout the os.remove is blocked; the held event has a review verdict with timeout, plus a `review` layer event; the file survives.
# irongate: {"args": ["--profile", "trusted", "--review-timeout", "0.3"], "exit": 0, "stdout": ["remove: PermissionError", "exists: True"], "files": {"doomed.txt": "keep me"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "reason": "All file deletes require approval", "rule": {"name": "deletes"}, "review": {"timeout": true, "verdict": "block"}, "action": {"type": "file", "subtype": "delete", "path": "{WORK}/doomed.txt"}}
# event: {"count": 1, "layer": "review", "decision": "block", "rule": {"name": "deletes"}, "action": {"type": "file", "subtype": "delete", "path": "{WORK}/doomed.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "delete"}}
# no-event: {"layer": "syscall", "action": {"path": "re:^{WORK}"}}
import os

os.chdir("/")  # absolute paths only: relative ones are covered by path_relative_trusted.py
work = os.environ["IRONGATE_TEST_WORK"]

try:
    os.remove(work + "/doomed.txt")
    print("remove: done")
except PermissionError as e:
    print("remove:", type(e).__name__)
    assert "review timed out" in str(e), e
print("exists:", os.path.exists(work + "/doomed.txt"))
