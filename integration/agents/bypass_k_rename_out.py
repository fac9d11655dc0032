# Renames across the forbidden boundary, at the hook layer (os.rename: PermissionError) and raw (renameat
# through ctypes: EACCES): a workspace file moved INTO forbidden_dir/ (the forbidden name is the target),
# and a forbidden file moved OUT to an innocent workspace name (the forbidden name is the source). Each is
# refused with both paths logged; all files stay where they were.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["os.rename in: PermissionError", "os.rename out: PermissionError", "raw rename in=-1 errno=EACCES", "raw rename out=-1 errno=EACCES", "raw renameat out via dirfd=-1 errno=EACCES", "mine.txt there: True", "forbidden_dir/mine.txt there: False", "forbidden_dir/victim.txt there: True", "out.txt there: False"], "files": {"forbidden_dir/victim.txt": "SECRET", "mine.txt": "mine"}}
# event: {"count": 1, "decision": "block", "layer": "hook", "rule": {"name": "forbidden-targets"}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/mine.txt", "target": "{WORK}/forbidden_dir/mine.txt"}}
# event: {"count": 1, "decision": "block", "layer": "hook", "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/forbidden_dir/victim.txt", "target": "{WORK}/out.txt"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-targets"}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/mine.txt", "target": "{WORK}/forbidden_dir/mine.txt"}}
# event: {"count": 2, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/forbidden_dir/victim.txt", "target": "{WORK}/out.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "rename"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
AT_FDCWD, SYS_rename, SYS_renameat = -100, 82, 264
for label, a, b in (("in", "mine.txt", "forbidden_dir/mine.txt"), ("out", "forbidden_dir/victim.txt", "out.txt")):
    try:
        os.rename(a, b)
        print(f"os.rename {label}: done")
    except PermissionError:
        print(f"os.rename {label}: PermissionError")
for label, a, b in (("in", b"mine.txt", b"forbidden_dir/mine.txt"), ("out", b"forbidden_dir/victim.txt", b"out.txt")):
    r = libc.syscall(SYS_rename, a, b)
    print(f"raw rename {label}={r} errno={errno.errorcode.get(ctypes.get_errno())}")
# The same move spelled relative to a descriptor on the workspace (an allowed O_RDONLY directory open).
d = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
r = libc.syscall(SYS_renameat, d, b"forbidden_dir/victim.txt", d, b"out.txt")
print(f"raw renameat out via dirfd={r} errno={errno.errorcode.get(ctypes.get_errno())}")
for p in ("mine.txt", "forbidden_dir/mine.txt", "forbidden_dir/victim.txt", "out.txt"):
    print(f"{p} there: {os.path.exists(p)}")
