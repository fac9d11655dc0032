# The example agent: reads a file it may read, is refused a write
# (sandboxed has no file.write), at the hook layer and through ctypes.
import ctypes
import os

print("hostname:", open("/etc/hostname").read().strip() != "")
try:
    open("/app/out.txt", "w").write("x")
    print("python write: allowed")
except PermissionError:
    print("python write: refused")
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.open(b"/app/out2.txt", os.O_WRONLY | os.O_CREAT, 0o644)
print("ctypes write:", "refused" if fd < 0 else "allowed")
