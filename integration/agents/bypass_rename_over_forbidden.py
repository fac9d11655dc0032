# Rename onto (over) a protected file: renameat2(RENAME_EXCHANGE) swaps an agent file with
# forbidden.txt, which would give the protected content the agent's file name. This run's policy allows
# renames under /tmp but blocks *forbidden* as a path or a target; refused at the kernel layer, both
# files unchanged.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["renameat2=-1 errno=EACCES", "mine.txt: b'mine'", "forbidden.txt: 10 bytes, same inode: True"], "files": {"forbidden.txt": "TOP SECRET", "mine.txt": "mine"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-targets"}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/mine.txt", "target": "{WORK}/forbidden.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "rename"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
AT_FDCWD, SYS_renameat2, RENAME_EXCHANGE = -100, 316, 2
before = os.stat("forbidden.txt").st_ino
r = libc.syscall(SYS_renameat2, AT_FDCWD, b"mine.txt", AT_FDCWD, b"forbidden.txt", RENAME_EXCHANGE)
print(f"renameat2={r} errno={errno.errorcode.get(ctypes.get_errno())}")
with open("mine.txt", "rb") as f:
    print(f"mine.txt: {f.read()!r}")
st = os.stat("forbidden.txt")  # not read: the policy forbids that
print(f"forbidden.txt: {st.st_size} bytes, same inode: {st.st_ino == before}")
