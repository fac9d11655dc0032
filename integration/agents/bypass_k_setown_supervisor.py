# Signal routing to the supervisor: F_SETOWN with the supervisor's pid and with its process group
# (-pgrp), F_SETOWN_EX (F_OWNER_PID and F_OWNER_PGRP), ioctl FIOSETOWN / SIOCSPGRP with a pointer to the
# supervisor's pid, and F_SETOWN to pid 1 — every owner outside the agent's tree is refused (EPERM);
# TIOCSTI, TIOCLINUX and TIOCSPGRP on fds 0-2 fail (refused, or not a tty). A pipe then gets F_SETSIG
# SIGKILL + O_ASYNC and is written to: O_ASYNC itself is refused now (on a terminal the kernel makes
# its foreground group the owner with no F_SETOWN), nobody is signalled; the supervisor survives and
# the run ends normally. F_SETOWN to the agent's own pid works.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["F_SETOWN sup=-1 errno=EPERM", "F_SETOWN -pgrp=-1 errno=EPERM", "F_SETOWN_EX pid=-1 errno=EPERM", "F_SETOWN_EX pgrp=-1 errno=EPERM", "FIOSETOWN=-1 errno=EPERM", "SIOCSPGRP=-1 errno=EPERM", "F_SETOWN init=-1 errno=EPERM", "tty ioctls all failed: True", "async write: done", "F_SETOWN self=0", "F_GETOWN self ok: True", "still supervised: True"]}
# event: {"count": 9, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_signal_route", "action": {"type": "tamper", "subtype": "signal_route"}}
# event: {"count": 9, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_terminal", "action": {"type": "tamper", "subtype": "signal_route"}}
# (signal_route blocks: the seven owners, O_ASYNC, and the informational F_SETOWN_EX on the agent's own
# thread)
# no-event: {"decision": "allow", "action": {"type": "tamper", "subtype": "re:(setown|signal_supervisor)"}}
import ctypes
import errno
import os
import signal
import struct

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_ioctl, SYS_fcntl = 16, 72
F_SETOWN, F_GETOWN, F_SETSIG, F_SETOWN_EX = 8, 9, 10, 15
F_OWNER_PID, F_OWNER_PGRP = 1, 2
FIOSETOWN, SIOCSPGRP = 0x8901, 0x8902
TIOCSTI, TIOCLINUX, TIOCSPGRP = 0x5412, 0x541C, 0x5410
sup = os.getppid()
with open("/proc/self/status") as f:
    ppid = int(next(l for l in f if l.startswith("PPid:")).split()[1])
assert ppid == sup
sup_pgrp = os.getpgid(sup)


def show(label, r):
    print(f"{label}={r} errno={errno.errorcode.get(ctypes.get_errno()) if r < 0 else None}", flush=True)


r_, w_ = os.pipe()
show("F_SETOWN sup", libc.syscall(SYS_fcntl, r_, F_SETOWN, sup))
show("F_SETOWN -pgrp", libc.syscall(SYS_fcntl, r_, F_SETOWN, -sup_pgrp))
ex = ctypes.create_string_buffer(struct.pack("ii", F_OWNER_PID, sup))
show("F_SETOWN_EX pid", libc.syscall(SYS_fcntl, r_, F_SETOWN_EX, ex))
ex = ctypes.create_string_buffer(struct.pack("ii", F_OWNER_PGRP, sup_pgrp))
show("F_SETOWN_EX pgrp", libc.syscall(SYS_fcntl, r_, F_SETOWN_EX, ex))
pid_buf = ctypes.c_int(sup)
show("FIOSETOWN", libc.syscall(SYS_ioctl, r_, FIOSETOWN, ctypes.byref(pid_buf)))
show("SIOCSPGRP", libc.syscall(SYS_ioctl, r_, SIOCSPGRP, ctypes.byref(pid_buf)))
show("F_SETOWN init", libc.syscall(SYS_fcntl, r_, F_SETOWN, 1))
tty_ok = True
for fd in (0, 1, 2):
    ch = ctypes.c_char(b"x")
    sub = ctypes.c_char(b"\x0b")  # TIOCLINUX 11: TIOCL_GETKMSGREDIRECT-ish probe; any subcode must fail
    pg = ctypes.c_int(sup_pgrp)
    for label, r in (
        ("TIOCSTI", libc.syscall(SYS_ioctl, fd, TIOCSTI, ctypes.byref(ch))),
        ("TIOCLINUX", libc.syscall(SYS_ioctl, fd, TIOCLINUX, ctypes.byref(sub))),
        ("TIOCSPGRP", libc.syscall(SYS_ioctl, fd, TIOCSPGRP, ctypes.byref(pg))),
    ):
        if r == 0:
            tty_ok = False
        print(f"  fd{fd} {label}={r} errno={errno.errorcode.get(ctypes.get_errno()) if r < 0 else None}")
print("tty ioctls all failed:", tty_ok)
# The pipe's owner is still nobody: SIGKILL as the I/O signal reaches no one.
show("F_SETSIG", libc.syscall(SYS_fcntl, r_, F_SETSIG, signal.SIGKILL))
fl = libc.syscall(SYS_fcntl, r_, 3)  # F_GETFL
show("O_ASYNC", libc.syscall(SYS_fcntl, r_, 4, fl | 0o20000))  # F_SETFL | FASYNC
os.write(w_, b"wake")
print("async write: done", flush=True)
# Owner = the agent itself, on a fresh pipe without O_ASYNC: allowed.
a, b = os.pipe()
r = libc.syscall(SYS_fcntl, a, F_SETOWN, os.getpid())
print(f"F_SETOWN self={r}")
print("F_GETOWN self ok:", libc.syscall(SYS_fcntl, a, F_GETOWN) == os.getpid())
# Not asserted: F_SETOWN_EX with the agent's own thread is refused too (owner in memory; use F_SETOWN).
ex = ctypes.create_string_buffer(struct.pack("ii", 0, ctypes.CDLL(None).gettid() if hasattr(ctypes.CDLL(None), "gettid") else os.getpid()))
show("F_SETOWN_EX self tid (info)", libc.syscall(SYS_fcntl, a, F_SETOWN_EX, ex))
print("still supervised:", os.getppid() == sup)
