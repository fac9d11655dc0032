# Attack: starve the supervisor by changing its scheduling. Every thread id near the supervisor's pid
# is made SCHED_IDLE (sched_setscheduler, sched_setattr), reniced to 19 (setpriority), pinned to one
# CPU (sched_setaffinity) and given idle I/O (ioprio_set); then the process group and the user's
# processes are reniced. Each must be refused (EPERM), and the supervisor's class and nice value must
# be what they were. Raw syscalls through ctypes, so the kernel layer stands alone.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/allow-processes.json"], "exit": 0, "timeout": 30, "stdout": ["refused: all", "supervisor unchanged: True"]}
# event: {"decision": "block", "layer": "syscall", "action": {"type": "tamper", "name": "scheduling"}}
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
SCHED_IDLE = 5
sup = os.getppid()
own = {os.getpid()} | {int(t) for t in os.listdir("/proc/self/task")}
before = (os.getpriority(os.PRIO_PROCESS, sup), os.sched_getscheduler(sup))


class SchedAttr(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("policy", ctypes.c_uint32), ("flags", ctypes.c_uint64),
                ("nice", ctypes.c_int32), ("prio", ctypes.c_uint32), ("runtime", ctypes.c_uint64),
                ("deadline", ctypes.c_uint64), ("period", ctypes.c_uint64)]


param = ctypes.c_int(0)
attr = SchedAttr(ctypes.sizeof(SchedAttr), SCHED_IDLE, 0, 19, 0, 0, 0, 0)
mask = ctypes.c_ulong(1)
tries = []
for tid in range(sup, sup + 40):
    if tid in own:
        continue
    tries.append(("sched_setscheduler", tid, libc.syscall(144, tid, SCHED_IDLE, ctypes.byref(param))))
    tries.append(("sched_setattr", tid, libc.syscall(314, tid, ctypes.byref(attr), 0)))
    tries.append(("setpriority", tid, libc.syscall(141, 0, tid, 19)))
    tries.append(("sched_setaffinity", tid, libc.syscall(203, tid, ctypes.sizeof(mask), ctypes.byref(mask))))
    tries.append(("ioprio_set", tid, libc.syscall(251, 1, tid, 3 << 13)))
tries.append(("setpriority pgrp", 0, libc.syscall(141, 1, 0, 19)))
tries.append(("setpriority user", 0, libc.syscall(141, 2, 0, 19)))
tries.append(("ioprio_set pgrp", 0, libc.syscall(251, 2, 0, 3 << 13)))
tries.append(("ioprio_set user", 0, libc.syscall(251, 3, os.getuid(), 3 << 13)))
succeeded = [t for t in tries if t[2] == 0]
print("refused:", "all" if not succeeded else f"not {succeeded[:5]}")
after = (os.getpriority(os.PRIO_PROCESS, sup), os.sched_getscheduler(sup))
print("supervisor unchanged:", after == before, before, after)
