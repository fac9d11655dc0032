# shield.protect(profile="minimal") narrows the enclosed code: no file.read. Native code inside the
# scope is narrowed too: the kernel layer decides the thread's unexplained libc open() with the narrowed
# profile and refuses it, exactly as the hook layer refuses the Python open().
# irongate: {"exit": 0, "stdout": ["python read: PermissionError", "libc read: fd=-1 errno=EACCES", "after the scope: b'OK-CONTENT'"], "files": {"ok.txt": "OK-CONTENT"}}
# event: {"count": 1, "decision": "block", "layer": "hook", "reason": "missing_capability:file.read", "action": {"type": "file", "path": "{WORK}/ok.txt"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:file.read", "action": {"type": "file", "path": "{WORK}/ok.txt"}}
import ctypes
import errno
import os

from irongate import shield

libc = ctypes.CDLL(None, use_errno=True)
with shield.protect(profile="minimal"):
    try:
        open("ok.txt").close()
        print("python read: allowed")
    except PermissionError:
        print("python read: PermissionError")
    fd = libc.open(b"ok.txt", os.O_RDONLY)
    print(f"libc read: fd={fd} errno={errno.errorcode.get(ctypes.get_errno()) if fd < 0 else None}")
with open("ok.txt", "rb") as f:
    print("after the scope:", f.read())
