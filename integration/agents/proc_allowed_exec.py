# os.execv under a policy that allows processes: one allowed hook decision (subtype exec), the exec is matched at the kernel layer, and the agent process becomes the program: its output and exit status are the run's.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/allow-processes.json"], "exit": 0, "stdout": ["before exec", "replaced by echo"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "processes"}, "action": {"type": "process", "subtype": "exec", "cmd": "echo 'replaced by echo'", "executable": "/usr/bin/echo", "argv": ["echo", "replaced by echo"]}}
# no-event: {"layer": "syscall", "action": {"type": "process"}}
# no-event: {"decision": "block"}
import os
import sys

print("before exec", flush=True)
os.execv("/usr/bin/echo", ["echo", "replaced by echo"])
print("not reached")
sys.exit(9)
