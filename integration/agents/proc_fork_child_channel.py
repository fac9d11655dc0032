# os.fork under a policy that allows processes: the fork is one decision; the forked child gets its own channel, its read is allowed and its blocked write is decided and logged under its own pid; the parent collects the child's exit status 5.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/allow-processes.json"], "exit": 0, "stdout": ["child: read data", "child: write PermissionError", "parent: child exited 5"], "files": {"data.txt": "data"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "processes"}, "action": {"type": "process", "subtype": "spawn", "cmd": "os.fork"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/data.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "rule": {"name": "default-deny"}, "action": {"type": "file", "subtype": "write", "path": "/var/tmp/irongate-fork-probe"}}
# no-event: {"unexplained": true}
import os
import sys

sys.stdout.flush()
pid = os.fork()
if pid == 0:
    print("child: read", open("data.txt").read(), flush=True)
    try:
        open("/var/tmp/irongate-fork-probe", "w")
        print("child: write done", flush=True)
    except PermissionError as e:
        print("child: write", type(e).__name__, flush=True)
    os._exit(5)
_, status = os.waitpid(pid, 0)
print("parent: child exited", os.waitstatus_to_exitcode(status))
