# Under `trusted` the built-in policy reviews processes (rule `processes`): subprocess.run and os.system are held, time out and raise PermissionError; the command never runs.
# irongate: {"args": ["--profile", "trusted", "--review-timeout", "0.3"], "exit": 0, "stdout": ["run: PermissionError", "system: PermissionError", "marker: False"]}
# event: {"count": 1, "layer": "hook", "decision": "review", "reason": "Process execution requires approval", "rule": {"name": "processes"}, "review": {"timeout": true, "verdict": "block"}, "action": {"type": "process", "subtype": "spawn", "cmd": "touch marker1"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "processes"}, "review": {"timeout": true}, "action": {"type": "process", "subtype": "system", "cmd": "touch marker2"}}
# event: {"count": 2, "layer": "review", "decision": "block", "action": {"type": "process"}}
# no-event: {"decision": "allow", "action": {"type": "process"}}
import os
import subprocess

for label, op in (("run", lambda: subprocess.run(["touch", "marker1"])), ("system", lambda: os.system("touch marker2"))):
    try:
        op()
        print(label + ": ran")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("marker:", os.path.exists("marker1") or os.path.exists("marker2"))
