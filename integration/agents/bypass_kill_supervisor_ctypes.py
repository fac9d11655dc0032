# Signals to the supervisor from native code (no os.kill audit event): kill, tkill, tgkill and pidfd_open
# aimed at os.getppid() are refused with EPERM at the kernel layer, each a logged block. SIGKILL is used so
# that a hole would end the run (the supervisor gone, the agent killed by PDEATHSIG) instead of passing
# quietly.
# irongate: {"exit": 0, "stdout": ["kill=-1 errno=EPERM", "tkill=-1 errno=EPERM", "tgkill=-1 errno=EPERM", "pidfd_open=-1 errno=EPERM", "still supervised"]}
# event: {"count": 4, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_supervisor", "action": {"type": "tamper", "subtype": "signal_supervisor"}}
import ctypes
import errno
import os
import signal

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
sup = os.getppid()
SYS_tkill, SYS_tgkill, SYS_pidfd_open = 200, 234, 434
for name, call in (
    ("kill", lambda: libc.kill(sup, signal.SIGKILL)),
    ("tkill", lambda: libc.syscall(SYS_tkill, sup, signal.SIGKILL)),
    ("tgkill", lambda: libc.syscall(SYS_tgkill, sup, sup, signal.SIGKILL)),
    ("pidfd_open", lambda: libc.syscall(SYS_pidfd_open, sup, 0)),
):
    r = call()
    print(f"{name}={r} errno={errno.errorcode.get(ctypes.get_errno())}")
print("still supervised" if os.getppid() == sup else "supervisor gone")
