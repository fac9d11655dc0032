# --backstop kill with an attempt on the supervisor itself: F_SETOWN naming the supervisor's pid (a signal
# route out of the agent's tree) through a raw syscall is refused, logged, and the agent is killed
# (SIGKILL: exit 137) like any unexplained refusal under kill — no second try, nothing after the call runs.
# irongate: {"args": ["--backstop", "kill", "--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 137, "stdout": ["before"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_signal_route", "action": {"type": "tamper", "subtype": "signal_route"}}
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_fcntl, F_SETOWN = 72, 8
r, w = os.pipe()
print("before", flush=True)
libc.syscall(SYS_fcntl, r, F_SETOWN, os.getppid())
print("after", flush=True)
