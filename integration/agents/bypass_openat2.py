# openat2 (437) through syscall(): a different struct (open_how) than openat, same judgement: refused at
# the kernel layer (system-secrets), logged unexplained.
# irongate: {"exit": 0, "stdout": ["openat2=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import ctypes
import errno
import os


class OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
how = OpenHow(os.O_RDONLY, 0, 0)
AT_FDCWD, SYS_openat2 = -100, 437
r = libc.syscall(SYS_openat2, AT_FDCWD, b"/etc/shadow", ctypes.byref(how), ctypes.sizeof(how))
print(f"openat2={r} errno={errno.errorcode.get(ctypes.get_errno())}")
