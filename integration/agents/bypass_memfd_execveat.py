# Fileless exec: the bytes of /usr/bin/echo (a program this run's policy lets run) are copied into a memfd
# and executed with execveat(fd, "", AT_EMPTY_PATH) straight through libc. The kernel layer judges what
# the fd really is — an anonymous memfd, not /usr/bin/echo — and the policy's default deny refuses it.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["execveat=-1 errno=EACCES", "still python"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "default-deny"}, "action": {"type": "process", "subtype": "exec", "executable": "re:memfd:payload", "argv": ["echo", "FILELESS-RAN"]}}
# no-event: {"decision": "allow", "action": {"type": "process"}}
import ctypes
import errno
import os

with open("/usr/bin/echo", "rb") as f:
    image = f.read()
fd = os.memfd_create("payload", 0)
os.write(fd, image)
libc = ctypes.CDLL(None, use_errno=True)
argv = (ctypes.c_char_p * 3)(b"echo", b"FILELESS-RAN", None)
envp = (ctypes.c_char_p * 1)(None)
SYS_execveat, AT_EMPTY_PATH = 322, 0x1000
r = libc.syscall(SYS_execveat, fd, b"", argv, envp, AT_EMPTY_PATH)
print(f"execveat={r} errno={errno.errorcode.get(ctypes.get_errno())}")
print("still python")
