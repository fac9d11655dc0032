# os.system, os.execv, os.posix_spawn, os.spawnv (fork+exec) and os.fork under `sandboxed`: each blocked once at the hook with missing_capability:process.exec; the agent keeps running after a refused exec.
# irongate: {"exit": 0, "stdout": ["system: PermissionError", "execv: PermissionError", "posix_spawn: PermissionError", "spawnv: PermissionError", "fork: PermissionError", "still running"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "system", "cmd": "echo system"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "exec", "cmd": "echo execv", "executable": "/usr/bin/echo"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "spawn", "cmd": "echo posix_spawn", "executable": "/usr/bin/echo"}}
# event: {"count": 2, "layer": "hook", "decision": "block", "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "spawn", "cmd": "os.fork"}}
# no-event: {"decision": "allow", "action": {"type": "process"}}
import os

for label, op in (
    ("system", lambda: os.system("echo system")),
    ("execv", lambda: os.execv("/usr/bin/echo", ["echo", "execv"])),
    ("posix_spawn", lambda: os.posix_spawn("/usr/bin/echo", ["echo", "posix_spawn"], dict(os.environ))),
    ("spawnv", lambda: os.spawnv(os.P_WAIT, "/usr/bin/echo", ["echo", "spawnv"])),
    ("fork", os.fork),
):
    try:
        r = op()
        if r == 0 and label == "fork":
            os._exit(0)
        print(label + ": ran", r)
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("still running")
