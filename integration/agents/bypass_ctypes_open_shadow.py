# ctypes calls libc open() directly: no audit event, so the hook layer never sees it. The kernel layer
# decides the openat on its own (system-secrets block), logs it unexplained, and the agent gets EACCES.
# irongate: {"exit": 0, "stdout": ["fd=-1 errno=EACCES", "read: nothing"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}}
# no-event: {"layer": "hook", "action": {"path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
fd = libc.open(b"/etc/shadow", os.O_RDONLY)
err = ctypes.get_errno()
print(f"fd={fd} errno={errno.errorcode.get(err, err)}")
if fd >= 0:
    print("read:", os.read(fd, 64))
else:
    print("read: nothing")
