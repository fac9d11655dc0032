# A note is its own thread's, in its own process. The parent registers a note buffer with a forged
# hello and writes a note for /etc/hostname; then it forks. The child inherits a copy of that memory
# at the same address, but the supervisor knows no note for the child's thread: the child's raw open
# of /etc/hostname is judged on its own (syscall layer, unexplained), and its Python opens work with
# a note of its own (hook layer). The parent's raw open is explained by its note (hook layer). One
# row per open.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["notes: True", "child raw: opened", "child python: True", "child exit: 0", "parent raw: opened"]}
# event: {"count": 1, "decision": "allow", "layer": "syscall", "unexplained": true, "action": {"path": "/etc/hostname"}}
# event: {"count": 1, "decision": "allow", "layer": "hook", "frame": "agent.py:1", "action": {"path": "/etc/hostname"}}
# event: {"count": 2, "decision": "allow", "layer": "hook", "action": {"path": "/etc/hosts"}}
import ctypes
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_openat, AT_FDCWD = 257, -100
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import forged_note  # noqa: E402
SIZE = forged_note.SIZE

buf = forged_note.buffer()
print("notes:", forged_note.hello(ctypes.addressof(buf)).get("notes"), flush=True)
p = b"/etc/hostname"
ctypes.memmove(buf, forged_note.note_bytes(1, p), SIZE)


def raw(label):
    fd = libc.syscall(SYS_openat, AT_FDCWD, p, os.O_RDONLY, 0)
    if fd >= 0:
        os.close(fd)
    print(f"{label}: " + ("opened" if fd >= 0 else "fd=-1"), flush=True)


pid = os.fork()
if pid == 0:
    raw("child raw")
    with open("/etc/hosts") as f:
        ok = len(f.read()) > 0
    with open("/etc/hosts") as f:
        ok = ok and len(f.read()) > 0
    print("child python:", ok, flush=True)
    os._exit(0)
_, status = os.waitpid(pid, 0)
print("child exit:", os.waitstatus_to_exitcode(status), flush=True)
raw("parent raw")
