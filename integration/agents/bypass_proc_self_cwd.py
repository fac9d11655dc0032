# chdir("/etc") (not trapped) and then /proc/self/cwd/shadow through libc: the magic link leads to
# /etc/shadow, which the kernel layer judges and refuses.
# irongate: {"exit": 0, "stdout": ["fd=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow", "requested": "/proc/self/cwd/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
os.chdir("/etc")
fd = libc.open(b"/proc/self/cwd/shadow", os.O_RDONLY)
print(f"fd={fd} errno={errno.errorcode.get(ctypes.get_errno())}")
