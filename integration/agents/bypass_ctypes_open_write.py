# ctypes open(O_WRONLY|O_CREAT|O_TRUNC) of a file in the scratch dir: write intent from the flags
# at the kernel layer; `sandboxed` has no file.write, so the unexplained syscall is refused and the file
# neither created nor truncated.
# irongate: {"exit": 0, "stdout": ["new: fd=-1 errno=EACCES exists=False", "old: fd=-1 errno=EACCES content=b'keep me'"], "files": {"old.txt": "keep me"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/new.txt"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/old.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "write"}}
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
