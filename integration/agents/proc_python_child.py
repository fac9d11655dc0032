# A Python child started through sys.executable re-enters IronGate: the spawn is one decision (process_class python_child) and the child's own operations are decided and logged in the same run under its own pid; its blocked write raises PermissionError inside the child.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/allow-processes.json"], "exit": 0, "stdout": ["child read: from parent", "child write outside /tmp: PermissionError", "child exit: 0", "pids differ: True"], "files": {"shared.txt": "from parent"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "processes"}, "action": {"type": "process", "subtype": "spawn", "process_class": "python_child", "argv": "re:child_task"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "reads"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/shared.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "default_deny", "rule": {"name": "default-deny"}, "action": {"type": "file", "subtype": "write", "path": "/var/tmp/irongate-child-probe"}}
# no-event: {"layer": "syscall", "action": {"type": "process", "process_class": "python_child"}}
# no-event: {"unexplained": true, "action": {"type": "file", "path": "re:^{WORK}"}}
# no-event: {"unexplained": true, "action": {"path": "re:^/proc/\\d+/maps$"}}
import os
import subprocess
import sys

child_task = r'''
import os, sys
print("child pid", os.getpid())
print("child read:", open(os.environ["IRONGATE_TEST_WORK"] + "/shared.txt").read())
try:
    open("/var/tmp/irongate-child-probe", "w")
    print("child write outside /tmp: done")
except PermissionError as e:
    print("child write outside /tmp:", type(e).__name__)
'''
r = subprocess.run([sys.executable, "-c", "# child_task\n" + child_task], capture_output=True, text=True)
print(r.stdout, end="")
print(r.stderr, end="", file=sys.stderr)
print("child exit:", r.returncode)
child_pid = int(r.stdout.split("child pid ")[1].split()[0])
print("pids differ:", child_pid != os.getpid())
