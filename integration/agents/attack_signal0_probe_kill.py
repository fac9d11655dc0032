# --backstop kill and a liveness probe of the supervisor: signal 0 sends nothing (libc's kill(getppid(), 0) only
# asks whether the process exists). kill, tkill, tgkill, rt_sigqueueinfo and rt_tgsigqueueinfo with signal 0
# aimed at the supervisor, through raw syscalls, are each refused with EPERM and logged, and the agent lives on
# (it was killed before: Call::Signal carried no signal number); os.kill(getppid(), 0) is the hook layer's
# refusal. Signal 0 to itself still works. A real signal to the supervisor keeps its answer under kill: SIGTERM
# is refused, logged and the agent killed (exit 137); nothing after it runs.
# irongate: {"args": ["--backstop", "kill"], "exit": 137, "stdout": ["kill=-1 EPERM", "tkill=-1 EPERM", "tgkill=-1 EPERM", "rt_sigqueueinfo=-1 EPERM", "rt_tgsigqueueinfo=-1 EPERM", "os.kill: PermissionError", "self: 0", "still supervised: True", "before SIGTERM"]}
# event: {"count": 5, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:signal 0, a liveness probe: refused with EPERM; the agent is not killed", "action": {"type": "tamper", "subtype": "signal_supervisor"}}
# event: {"count": 1, "decision": "block", "layer": "hook", "reason": "re:^irongate_supervisor", "action": {"type": "tamper", "subtype": "signal_supervisor"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "irongate_supervisor: the agent may not signal its supervisor", "action": {"type": "tamper", "subtype": "signal_supervisor"}}
import ctypes
import errno
import os
import signal

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_tkill, SYS_tgkill, SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo = 200, 234, 129, 297
sup = os.getppid()
info = ctypes.create_string_buffer(128)  # a siginfo_t, never read: the call is refused first


def show(name, rc):
    e = ctypes.get_errno()
    print(f"{name}={rc}", errno.errorcode.get(e, e) if rc < 0 else "", flush=True)


show("kill", libc.kill(sup, 0))
show("tkill", libc.syscall(SYS_tkill, sup, 0))
show("tgkill", libc.syscall(SYS_tgkill, sup, sup, 0))
show("rt_sigqueueinfo", libc.syscall(SYS_rt_sigqueueinfo, sup, 0, info))
show("rt_tgsigqueueinfo", libc.syscall(SYS_rt_tgsigqueueinfo, sup, sup, 0, info))
try:
    os.kill(sup, 0)
    print("os.kill: sent")
except PermissionError:
    print("os.kill: PermissionError")
print("self:", libc.kill(os.getpid(), 0))
print("still supervised:", os.getppid() == sup, flush=True)
print("before SIGTERM", flush=True)
libc.kill(sup, signal.SIGTERM)
print("after SIGTERM", flush=True)
