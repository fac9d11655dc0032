# shield.protect(profile="minimal") must narrow what the enclosed code may do, and never widen.
# Code inside the scope starts a thread that reads a file: the read is work of the enclosed code, so it
# is narrowed too (no file.read) — at the hook layer and, for the libc open, at the kernel layer. (The
# original's protect() was process-wide while the block was open; a per-thread scope that a new thread
# escapes is the gap audit-hooks.md 2.17 describes.)
# irongate: {"exit": 0, "stdout": ["thread python read: PermissionError", "thread libc read: fd=-1 errno=EACCES"], "files": {"ok.txt": "OK-CONTENT"}}
# event: {"count": 1, "decision": "block", "layer": "hook", "reason": "missing_capability:file.read", "action": {"type": "file", "path": "{WORK}/ok.txt"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:file.read", "action": {"type": "file", "path": "{WORK}/ok.txt"}}
# no-event: {"decision": "allow", "action": {"type": "file", "path": "{WORK}/ok.txt"}}
import ctypes
import errno
import os
import threading

from irongate import shield

libc = ctypes.CDLL(None, use_errno=True)


def work():
    try:
        open("ok.txt").close()
        print("thread python read: allowed")
    except PermissionError:
        print("thread python read: PermissionError")
    fd = libc.open(b"ok.txt", os.O_RDONLY)
    print(f"thread libc read: fd={fd} errno={errno.errorcode.get(ctypes.get_errno()) if fd < 0 else None}")


with shield.protect(profile="minimal"):
    t = threading.Thread(target=work)
    t.start()
    t.join()
