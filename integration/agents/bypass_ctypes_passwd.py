# The built-in policy blocks reads of /etc/passwd (system-secrets, as the original did). Through Python
# that is a hook-layer block; through libc it is an unexplained syscall that R-3 says is decided "with
# the same policy" — /etc/passwd is not one of R-33's runtime reads (interpreter prefix, venv, system
# libraries, locale data). Expected: refused at the kernel layer and logged unexplained, as the Python
# open is at the hook layer.
# irongate: {"exit": 0, "stdout": ["python open: PermissionError", "libc open: fd=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "block", "layer": "hook", "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/passwd"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/passwd"}}
import ctypes
import errno
import os

try:
    with open("/etc/passwd", "rb") as f:
        print("python open: read", len(f.read()), "bytes")
except PermissionError:
    print("python open: PermissionError")
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.open(b"/etc/passwd", os.O_RDONLY)
print(f"libc open: fd={fd} errno={errno.errorcode.get(ctypes.get_errno()) if fd < 0 else None}")
