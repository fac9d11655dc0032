# The x32 ABI (syscall number | 0x40000000) has its own syscall table, which a filter written for x86_64
# numbers would not cover: libseccomp's bad-arch action kills the process (SIGSYS) on the first such
# call, so nothing after it runs. The run exits 128+31.
# irongate: {"exit": 159, "stdout": ["before"]}
import ctypes
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
print("before", flush=True)
X32 = 0x40000000
r = libc.syscall(X32 | 2, b"/etc/shadow", 0)  # x32 open
print("after: x32 open returned", r, ctypes.get_errno(), flush=True)
sys.exit(0)
