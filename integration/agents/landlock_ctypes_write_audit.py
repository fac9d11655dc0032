# With the Landlock layer on (sandboxed: no file.write), a write through ctypes is refused by the kernel itself even
# with --backstop audit, where the seccomp backstop only records the unexplained syscall and lets it run: the file is
# neither created nor truncated, and the log still shows the would-be block.
# irongate: {"args": ["--backstop", "audit"], "exit": 0, "stdout": ["new: fd=-1 errno=EACCES exists=False", "old: fd=-1 errno=EACCES content=b'keep me'"], "files": {"old.txt": "keep me"}}
# event: {"count": 1, "layer": "syscall", "unexplained": true, "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/new.txt"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
for name in ("new", "old"):
    fd = libc.open(f"{name}.txt".encode(), flags, 0o644)
    err = errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno())
    if name == "new":
        print(f"new: fd={fd} errno={err} exists={os.path.exists('new.txt')}")
    else:
        with open("old.txt", "rb") as f:
            print(f"old: fd={fd} errno={err} content={f.read()!r}")
