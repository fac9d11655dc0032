# process_class is judged from what really runs (C.13, C.14): sys.executable is a python_child, an interpreter by absolute path (/usr/bin/python3-like name) is a python_child, a program merely named like python but run through executable=/bin/sh is a binary, and "mypython" is a binary; all blocked in `sandboxed`.
# irongate: {"exit": 0, "stdout": ["sys.executable: PermissionError", "abs python3.11: PermissionError", "python3 via /bin/sh: PermissionError", "mypython: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:process.exec", "action": {"type": "process", "process_class": "python_child", "cmd": "re:^\\S+ -c 'print\\(1\\)'$"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "action": {"type": "process", "process_class": "python_child", "executable": "re:/python3\\.11$"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "action": {"type": "process", "process_class": "binary", "cmd": "python3 -c 3", "executable": "re:/(sh|dash)$"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "action": {"type": "process", "process_class": "binary", "cmd": "re:mypython"}}
import os
import subprocess
import sys

real_python = os.path.join(sys.base_prefix, "bin", "python3.11")
for label, op in (
    ("sys.executable", lambda: subprocess.run([sys.executable, "-c", "print(1)"])),
    ("abs python3.11", lambda: subprocess.run([real_python, "-c", "2"])),
    ("python3 via /bin/sh", lambda: subprocess.run(["python3", "-c", "3"], executable="/bin/sh")),
    ("mypython", lambda: subprocess.run([os.path.join(os.getcwd(), "mypython"), "x"])),
):
    try:
        op()
        print(label + ": ran")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
