# --backstop kill with notes. A note (the hook's own, or one the agent forges in a buffer it registers
# with a forged hello) can only make an open the hook layer's decision on the real path: a blocked
# file stays blocked (EACCES, logged once as a hook-layer block, not as unexplained). A raw open that
# no note explains (here: a note for another file) is the kernel layer's: refused and the agent
# killed (exit 137); nothing after it runs.
# irongate: {"args": ["--backstop", "kill", "--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 137, "stdout": ["python open: PermissionError", "notes: True", "forged note: fd=-1", "before unexplained"]}
# event: {"count": 3, "decision": "block", "rule": {"name": "system-secrets"}, "action": {"type": "file", "path": "/etc/shadow"}}
# event: {"count": 2, "decision": "block", "layer": "hook", "unexplained": false, "action": {"path": "/etc/shadow"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "action": {"path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
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

try:
    open("/etc/shadow")
    print("python open: opened")
except PermissionError:
    print("python open: PermissionError")

buf = forged_note.buffer()
print("notes:", forged_note.hello(ctypes.addressof(buf)).get("notes"))


def note(seq, p):
    ctypes.memmove(buf, forged_note.note_bytes(seq, p), SIZE)


note(1, b"/etc/shadow")
fd = libc.syscall(SYS_openat, AT_FDCWD, b"/etc/shadow", os.O_RDONLY, 0)
print("forged note: fd=%d" % fd, flush=True)
note(2, b"/etc/hostname")
print("before unexplained", flush=True)
fd = libc.syscall(SYS_openat, AT_FDCWD, b"/etc/shadow", os.O_RDONLY, 0)
print("after unexplained: fd", fd, flush=True)
