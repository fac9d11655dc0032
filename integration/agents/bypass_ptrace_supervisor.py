# ptrace is refused to the agent: attaching to or seizing the supervisor (os.getppid()) fails with
# EPERM, and so does PTRACE_TRACEME (which would make the supervisor a tracer by surprise).
# irongate: {"exit": 0, "stdout": ["PTRACE_ATTACH=-1 errno=EPERM", "PTRACE_SEIZE=-1 errno=EPERM", "PTRACE_TRACEME=-1 errno=EPERM", "supervisor alive, tracer of self: 0"]}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
sup = os.getppid()
PTRACE_TRACEME, PTRACE_ATTACH, PTRACE_SEIZE = 0, 16, 0x4206
for name, req, pid in (("PTRACE_ATTACH", PTRACE_ATTACH, sup), ("PTRACE_SEIZE", PTRACE_SEIZE, sup), ("PTRACE_TRACEME", PTRACE_TRACEME, 0)):
    r = libc.ptrace(req, pid, None, None)
    print(f"{name}={r} errno={errno.errorcode.get(ctypes.get_errno())}")
with open("/proc/self/status") as f:
    tracer = [line.split()[1] for line in f if line.startswith("TracerPid:")][0]
print("supervisor alive, tracer of self:", tracer)
