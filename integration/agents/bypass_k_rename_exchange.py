# renameat2 flags on performed renames: RENAME_EXCHANGE between a workspace file and a file
# inside forbidden_dir/ (either order), RENAME_NOREPLACE moving forbidden.txt to a fresh workspace name, and
# RENAME_EXCHANGE of two workspace files (allowed). Whatever the flags, a call with a forbidden path on
# either side is refused (EACCES), logged with both paths, and nothing moves.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["exchange in=-1 errno=EACCES", "exchange out=-1 errno=EACCES", "noreplace out=-1 errno=EACCES", "exchange ok=0 errno=None", "mine.txt: b'other'", "forbidden files unchanged: True", "taken.txt exists: False"], "files": {"forbidden.txt": "TOP SECRET", "forbidden_dir/victim.txt": "SECRET", "mine.txt": "mine", "other.txt": "other"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-targets"}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/mine.txt", "target": "{WORK}/forbidden_dir/victim.txt"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/forbidden_dir/victim.txt", "target": "{WORK}/mine.txt"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/forbidden.txt", "target": "{WORK}/taken.txt"}}
# event: {"count": 1, "decision": "allow", "layer": "syscall", "action": {"type": "file", "subtype": "rename", "path": "{WORK}/mine.txt", "target": "{WORK}/other.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "rename", "path": "re:forbidden"}}
# no-event: {"decision": "allow", "action": {"subtype": "rename", "target": "re:forbidden"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
AT_FDCWD, SYS_renameat2, RENAME_NOREPLACE, RENAME_EXCHANGE = -100, 316, 1, 2
F = ("forbidden.txt", "forbidden_dir/victim.txt")
before = {p: os.stat(p).st_ino for p in F}


def call(label, old, new, flags):
    r = libc.syscall(SYS_renameat2, AT_FDCWD, old, AT_FDCWD, new, flags)
    print(f"{label}={r} errno={errno.errorcode.get(ctypes.get_errno()) if r else None}")


call("exchange in", b"mine.txt", b"forbidden_dir/victim.txt", RENAME_EXCHANGE)
call("exchange out", b"forbidden_dir/victim.txt", b"mine.txt", RENAME_EXCHANGE)
call("noreplace out", b"forbidden.txt", b"taken.txt", RENAME_NOREPLACE)
call("exchange ok", b"mine.txt", b"other.txt", RENAME_EXCHANGE)
with open("mine.txt", "rb") as f:
    print(f"mine.txt: {f.read()!r}")
print("forbidden files unchanged:", all(os.path.exists(p) and os.stat(p).st_ino == i for p, i in before.items()))
print("taken.txt exists:", os.path.exists("taken.txt"))
