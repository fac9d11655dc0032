# /proc/self/root is a magic link to the agent's root: /proc/self/root/etc/shadow is /etc/shadow.
# Opened through libc, the kernel layer resolves it in the agent's own /proc entry and refuses it.
# irongate: {"exit": 0, "stdout": ["fd=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow", "requested": "/proc/self/root/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
fd = libc.open(b"/proc/self/root/etc/shadow", os.O_RDONLY)
print(f"fd={fd} errno={errno.errorcode.get(ctypes.get_errno())}")
