# Dangerous commands are blocked outright under `trusted` by rule dangerous-commands (C.8, C.9): list-form rm -rf, "rm  -rf" with two spaces, "rm -r -f", "rm -fr" in a shell line, os.system with bytes (C.12) and a fresh unpatched subprocess copy with shell=True (C.11: the hook sees the whole argv, not just /bin/sh); the tree survives.
# irongate: {"args": ["--profile", "trusted", "--review-timeout", "5"], "exit": 0, "stdout": ["list rm -rf: PermissionError", "system rm  -rf: PermissionError", "system rm -r -f: PermissionError", "shell rm -fr: PermissionError", "system bytes: PermissionError", "fresh subprocess shell: PermissionError", "tree: True"], "files": {"tree/a.txt": "a"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "Dangerous system commands blocked", "rule": {"name": "dangerous-commands"}, "action": {"type": "process", "subtype": "spawn", "argv": ["rm", "-rf", "tree"]}}
# event: {"count": 1, "layer": "hook", "decision": "block", "rule": {"name": "dangerous-commands"}, "action": {"type": "process", "subtype": "system", "cmd": "rm  -rf tree"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "rule": {"name": "dangerous-commands"}, "action": {"type": "process", "subtype": "system", "cmd": "rm -r -f tree"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "rule": {"name": "dangerous-commands"}, "action": {"type": "process", "subtype": "spawn", "cmd": "/bin/sh -c 'cd . && rm -fr tree'"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "rule": {"name": "dangerous-commands"}, "action": {"type": "process", "subtype": "system", "cmd": "rm -rf ./tree"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "rule": {"name": "dangerous-commands"}, "action": {"type": "process", "subtype": "spawn", "cmd": "/bin/sh -c 'rm -rf tree/'"}}
# no-event: {"decision": "review"}
# no-event: {"decision": "allow", "action": {"type": "process"}}
import importlib.util
import os
import subprocess


def fresh_subprocess():
    spec = importlib.util.spec_from_file_location("sp2", subprocess.__file__)
    sp2 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sp2)
    return sp2


for label, op in (
    ("list rm -rf", lambda: subprocess.run(["rm", "-rf", "tree"])),
    ("system rm  -rf", lambda: os.system("rm  -rf tree")),
    ("system rm -r -f", lambda: os.system("rm -r -f tree")),
    ("shell rm -fr", lambda: subprocess.run("cd . && rm -fr tree", shell=True)),
    ("system bytes", lambda: os.system(b"rm -rf ./tree")),
    ("fresh subprocess shell", lambda: fresh_subprocess().Popen("rm -rf tree/", shell=True).wait()),
):
    try:
        op()
        print(label + ": ran")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("tree:", os.path.exists("tree/a.txt"))
