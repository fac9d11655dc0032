# libc openat(dirfd("/etc"), "shadow") from native code: resolved against the agent's directory fd at the
# kernel layer, refused (system-secrets), logged unexplained with the requested spelling.
# irongate: {"exit": 0, "stdout": ["openat=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow", "requested": "shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
d = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
r = libc.openat(d, b"shadow", os.O_RDONLY)
print(f"openat={r} errno={errno.errorcode.get(ctypes.get_errno())}")
