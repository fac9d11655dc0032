# Signals to the supervisor through one of its threads: kill(2) given a thread id signals the whole thread
# group, so kill(<supervisor thread>, SIGKILL) ends the supervisor if only the supervisor's pid is
# guarded. R-42: signals to the supervisor are always denied; each attempt is a logged block. SIGKILL
# makes a hole visible: the supervisor dies and PDEATHSIG kills the agent (exit 137 instead of 0).
# irongate: {"exit": 0, "stdout": ["found a supervisor thread: True", "kill(thread)=-1 errno=EPERM", "tgkill(thread)=-1 errno=EPERM", "still supervised"]}
# event: {"count": 2, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_supervisor", "action": {"type": "tamper", "subtype": "signal_supervisor"}}
import ctypes
import errno
import os
import signal
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
sup, me = os.getppid(), os.getpid()
# The supervisor's threads: /proc/<sup>/task/<n> exists exactly for them. stat is not trapped (and is
# no decision), so this finds them without opening anything of the supervisor's.
tid = next((n for n in range(sup + 1, sup + 200000) if os.path.exists(f"/proc/{sup}/task/{n}")), None)
print("found a supervisor thread:", tid is not None, flush=True)
if tid is None:
    sys.exit(3)  # never signal a guessed number
SYS_tgkill = 234
r = libc.syscall(SYS_tgkill, sup, tid, 0)
print(f"tgkill(thread)={r} errno={errno.errorcode.get(ctypes.get_errno())}", flush=True)
r = libc.kill(tid, signal.SIGKILL)
print(f"kill(thread)={r} errno={errno.errorcode.get(ctypes.get_errno())}", flush=True)
print("still supervised" if os.getppid() == sup else "supervisor gone")
