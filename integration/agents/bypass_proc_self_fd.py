# A descriptor on the /etc directory (an allowed read) and then /proc/self/fd/<n>/shadow through libc: the magic link
# is followed in the agent's own /proc entry to /etc/shadow, which is refused.
# irongate: {"exit": 0, "stdout": ["fd=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow", "requested": "re:^/proc/self/fd/[0-9]+/shadow$"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
d = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
fd = libc.open(f"/proc/self/fd/{d}/shadow".encode(), os.O_RDONLY)
print(f"fd={fd} errno={errno.errorcode.get(ctypes.get_errno())}")
