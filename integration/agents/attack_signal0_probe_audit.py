# --backstop audit only records what the policy refuses, but a signal to the supervisor is never the agent's
# business in any mode: signal 0 (a liveness probe: kill(getppid(), 0)) through kill and tgkill fails with EPERM
# and is logged, as does a real SIGTERM; nothing reaches the supervisor and the run ends normally.
# irongate: {"args": ["--backstop", "audit"], "exit": 0, "stdout": ["kill 0=-1 EPERM", "tgkill 0=-1 EPERM", "kill SIGTERM=-1 EPERM", "still supervised: True"]}
# event: {"count": 2, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:signal 0, a liveness probe", "action": {"type": "tamper", "subtype": "signal_supervisor"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "irongate_supervisor: the agent may not signal its supervisor", "action": {"type": "tamper", "subtype": "signal_supervisor"}}
import ctypes
import errno
import os
import signal

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_tgkill = 234
sup = os.getppid()


def show(name, rc):
    e = ctypes.get_errno()
    print(f"{name}={rc}", errno.errorcode.get(e, e) if rc < 0 else "", flush=True)


show("kill 0", libc.kill(sup, 0))
show("tgkill 0", libc.syscall(SYS_tgkill, sup, sup, 0))
show("kill SIGTERM", libc.kill(sup, signal.SIGTERM))
print("still supervised:", os.getppid() == sup)
