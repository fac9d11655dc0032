# Hard links that would give forbidden.txt an innocent name (R-23: judged on the protected file): raw
# linkat(AT_FDCWD, "forbidden.txt", ...), linkat relative to a workspace directory fd, linkat of
# /proc/self/cwd/forbidden.txt with AT_SYMLINK_FOLLOW, and — if an O_PATH descriptor on forbidden.txt can
# be had at all (it is itself an open the policy refuses) — linkat of /proc/self/fd/N with
# AT_SYMLINK_FOLLOW. Also AT_EMPTY_PATH on a workspace fd. Every link is refused; no new name exists.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["linkat cwd=-1 errno=EACCES", "linkat dirfd=-1 errno=EACCES", "linkat proc cwd follow=-1 errno=EACCES", "O_PATH open: PermissionError", "linkat proc fd follow=-1 errno=EACCES", "linkat empty path=-1 errno=ENOENT", "links to forbidden.txt: 1", "new names: []"], "files": {"forbidden.txt": "TOP SECRET", "ok.txt": "ok"}}
# event: {"count": 3, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "link", "path": "{WORK}/forbidden.txt", "target": "re:^{WORK}/innocent[1-3]\\.txt$"}}
# event: {"decision": "block", "layer": "hook", "rule": {"name": "forbidden-files"}, "action": {"type": "file", "path": "{WORK}/forbidden.txt"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "link", "path": "{WORK}/forbidden.txt", "target": "{WORK}/innocent4.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "link"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
AT_FDCWD, SYS_linkat = -100, 265
AT_SYMLINK_FOLLOW, AT_EMPTY_PATH = 0x400, 0x1000
O_PATH = 0o10000000


def link(label, olddir, old, new, flags):
    r = libc.syscall(SYS_linkat, olddir, old, AT_FDCWD, new, flags)
    print(f"{label}={r} errno={errno.errorcode.get(ctypes.get_errno())}")


link("linkat cwd", AT_FDCWD, b"forbidden.txt", b"innocent1.txt", 0)
d = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
link("linkat dirfd", d, b"forbidden.txt", b"innocent2.txt", 0)
link("linkat proc cwd follow", AT_FDCWD, b"/proc/self/cwd/forbidden.txt", b"innocent3.txt", AT_SYMLINK_FOLLOW)
fd = -1
try:
    fd = os.open("forbidden.txt", O_PATH)
    print("O_PATH open: ok")
except PermissionError:
    print("O_PATH open: PermissionError")
if fd < 0:
    # The same O_PATH open through libc: refused at the kernel layer too; use it only if it worked.
    fd = libc.syscall(257, AT_FDCWD, b"forbidden.txt", O_PATH, 0)
    print(f"raw O_PATH open={fd}")
if fd >= 0:
    link("linkat proc fd follow", AT_FDCWD, f"/proc/self/fd/{fd}".encode(), b"innocent4.txt", AT_SYMLINK_FOLLOW)
else:
    # No descriptor to go through: the link via a descriptor number that is a workspace dir instead.
    link("linkat proc fd follow", AT_FDCWD, f"/proc/self/fd/{d}/forbidden.txt".encode(), b"innocent4.txt", AT_SYMLINK_FOLLOW)
ok = os.open("ok.txt", os.O_RDONLY)
link("linkat empty path", ok, b"", b"innocent5.txt", AT_EMPTY_PATH)
print("links to forbidden.txt:", os.stat("forbidden.txt").st_nlink)
print("new names:", sorted(n for n in os.listdir(".") if n.startswith("innocent")))
