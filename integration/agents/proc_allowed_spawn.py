# os.posix_spawn and os.spawnv (a fork whose child execs) under a policy that allows processes: posix_spawn is one spawn decision; spawnv is the fork decision in the agent plus the exec decision in the forked child (its own pid); both programs run and exit 0.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/allow-processes.json"], "exit": 0, "stdout": ["posix_spawn: 0", "spawnv: 0"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "processes"}, "action": {"type": "process", "subtype": "spawn", "cmd": "true posix", "executable": "re:/bin/true$"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "processes"}, "action": {"type": "process", "subtype": "spawn", "cmd": "os.fork"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "processes"}, "action": {"type": "process", "subtype": "exec", "cmd": "true spawnv", "executable": "re:/bin/true$"}}
# no-event: {"layer": "syscall", "action": {"type": "process"}}
# no-event: {"decision": "block"}
import os

pid = os.posix_spawn("/usr/bin/true", ["true", "posix"], dict(os.environ))
print("posix_spawn:", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
print("spawnv:", os.spawnv(os.P_WAIT, "/usr/bin/true", ["true", "spawnv"]))
