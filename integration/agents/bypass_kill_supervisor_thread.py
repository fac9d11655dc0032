# Signals to the supervisor through one of its threads: kill(2) given a thread id signals the whole thread
# group, so kill(<supervisor thread>, SIGKILL) ends the supervisor although the filter only refuses
# kill/tkill/tgkill/pidfd_open whose first argument is the supervisor's pid. R-42: signals to the
# supervisor are always denied. SIGKILL makes a hole visible: the supervisor dies and PDEATHSIG kills
# the agent (exit 137 instead of 0).
# irongate: {"exit": 0, "stdout": ["found a supervisor thread: True", "kill(thread)=-1 errno=EPERM", "tgkill(thread)=-1 errno=EPERM", "still supervised"]}
import ctypes
import errno
import os
import signal

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
sup, me = os.getppid(), os.getpid()
tid = None
for n in range(sup + 1, sup + 200):
    if n == me:
        continue
    try:
        with open(f"/proc/{n}/status") as f:
            if f"Tgid:\t{sup}\n" in f.read():
                tid = n
                break
    except OSError:
        continue
print("found a supervisor thread:", tid is not None, flush=True)
SYS_tgkill = 234
r = libc.syscall(SYS_tgkill, sup, tid, 0)
print(f"tgkill(thread)={r} errno={errno.errorcode.get(ctypes.get_errno())}", flush=True)
r = libc.kill(tid, signal.SIGKILL)
print(f"kill(thread)={r} errno={errno.errorcode.get(ctypes.get_errno())}", flush=True)
print("still supervised" if os.getppid() == sup else "supervisor gone")
