# `sandboxed` has no process.exec: subprocess list form, shell form, check_output and os.popen are blocked at the hook with missing_capability:process.exec, argv and the resolved executable logged; nothing runs.
# irongate: {"exit": 0, "stdout": ["list: PermissionError", "shell: PermissionError", "check_output: PermissionError", "popen: PermissionError", "marker: False"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:process.exec", "rule": null, "action": {"type": "process", "subtype": "spawn", "cmd": "touch marker", "executable": "re:^/(usr/)?bin/touch$", "process_class": "binary"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "spawn", "cmd": "/bin/sh -c 'touch marker && echo shell'", "process_class": "binary"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "spawn", "cmd": "echo check_output"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "spawn", "cmd": "/bin/sh -c 'echo popen'"}}
# no-event: {"decision": "allow", "action": {"type": "process"}}
# no-event: {"layer": "syscall", "action": {"type": "process"}}
import os
import subprocess

for label, op in (
    ("list", lambda: subprocess.run(["touch", "marker"])),
    ("shell", lambda: subprocess.run("touch marker && echo shell", shell=True)),
    ("check_output", lambda: subprocess.check_output(["echo", "check_output"])),
    ("popen", lambda: os.popen("echo popen").read()),
):
    try:
        op()
        print(label + ": ran")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("marker:", os.path.exists("marker"))
