# With a policy that allows processes (integration/policies/allow-processes.json, --profile trusted): subprocess list and shell forms, check_output and os.system run; each is ONE decision at the hook, and the exec of the program it names is matched to it, not decided again at the kernel layer, also when that program is a symlink such as /bin/sh.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/allow-processes.json"], "exit": 0, "stdout": ["list: list-form", "shell: SHELL-FORM", "check_output: b'co\\n'", "from-system", "system: 0"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "processes"}, "action": {"type": "process", "subtype": "spawn", "cmd": "echo list-form", "executable": "/usr/bin/echo", "process_class": "binary"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "processes"}, "action": {"type": "process", "subtype": "spawn", "cmd": "/bin/sh -c 'echo shell-form | tr a-z A-Z'"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "processes"}, "action": {"type": "process", "subtype": "spawn", "cmd": "echo co"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "processes"}, "action": {"type": "process", "subtype": "system", "cmd": "echo from-system"}}
# event: {"count": 1, "layer": "syscall", "decision": "allow", "unexplained": true, "action": {"type": "process", "subtype": "exec", "cmd": "tr a-z A-Z", "process_class": "binary"}}
# no-event: {"layer": "syscall", "action": {"cmd": "re:(shell-form \\||echo from-system|list-form|echo co)"}}
# no-event: {"decision": "block"}
import os
import subprocess

print("list:", subprocess.run(["echo", "list-form"], capture_output=True, text=True).stdout.strip())
print("shell:", subprocess.run("echo shell-form | tr a-z A-Z", shell=True, capture_output=True, text=True).stdout.strip())
print("check_output:", subprocess.check_output(["echo", "co"]))
print("system:", os.system("echo from-system"))
