# Fileless exec through the magic link: execve("/proc/self/fd/N") of a memfd holding /usr/bin/echo's
# bytes, through libc. The kernel layer resolves the link in the agent's own /proc entry to the memfd and
# refuses it (default deny), even though /usr/bin/echo itself is allowed by this run's policy.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["execve=-1 errno=EACCES", "still python"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "default-deny"}, "action": {"type": "process", "subtype": "exec", "executable": "re:memfd:payload", "requested": "re:^/proc/self/fd/[0-9]+$"}}
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
r = libc.execve(f"/proc/self/fd/{fd}".encode(), argv, envp)
print(f"execve={r} errno={errno.errorcode.get(ctypes.get_errno())}")
print("still python")
