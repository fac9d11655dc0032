# An allowed spawn explains its own exec at the kernel layer (the vfork child's execve of the judged
# program). That explanation must not cover a different command: after `echo hello` was allowed, the
# agent execve()s the same program through libc with an argv this run's policy forbids
# (forbidden-commands: cmd containing "forbidden"; the same argv through subprocess is blocked at the hook
# layer). R-4: an explained syscall is still checked against what the supervisor decided — here the
# decision was about `echo hello`, not `echo forbidden-words`. Expected: refused (EACCES), logged
# unexplained; the agent keeps running as Python.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["allowed spawn: hello", "same argv via subprocess: PermissionError", "execve=-1 errno=EACCES", "still python"]}
# event: {"count": 1, "decision": "allow", "layer": "hook", "action": {"type": "process", "argv": ["/usr/bin/echo", "hello"]}}
# event: {"count": 1, "decision": "block", "layer": "hook", "rule": {"name": "forbidden-commands"}, "action": {"type": "process", "argv": ["/usr/bin/echo", "forbidden-words"]}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-commands"}, "action": {"type": "process", "subtype": "exec", "argv": ["echo", "forbidden-words"]}}
# no-event: {"decision": "allow", "action": {"type": "process", "cmd": "re:forbidden"}}
import ctypes
import errno
import subprocess
import sys

p = subprocess.run(["/usr/bin/echo", "hello"], capture_output=True, text=True)
print("allowed spawn:", p.stdout.strip())
try:
    subprocess.run(["/usr/bin/echo", "forbidden-words"], capture_output=True)
    print("same argv via subprocess: ran")
except PermissionError:
    print("same argv via subprocess: PermissionError")
sys.stdout.flush()
libc = ctypes.CDLL(None, use_errno=True)
argv = (ctypes.c_char_p * 3)(b"echo", b"forbidden-words", None)
envp = (ctypes.c_char_p * 1)(None)
r = libc.execve(b"/usr/bin/echo", argv, envp)
print(f"execve={r} errno={errno.errorcode.get(ctypes.get_errno())}")
print("still python")
