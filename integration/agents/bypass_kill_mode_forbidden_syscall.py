# --backstop kill with a syscall that is never the agent's: io_uring_setup through a raw syscall is
# refused, logged as tamper, and the agent is killed (exit 137) before it can try another way.
# irongate: {"args": ["--backstop", "kill"], "exit": 137, "stdout": ["before"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_forbidden_syscall: io_uring_setup", "action": {"type": "tamper", "subtype": "syscall", "name": "io_uring_setup"}}
import ctypes

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
params = ctypes.create_string_buffer(120)
print("before", flush=True)
libc.syscall(425, 8, params)
print("after", flush=True)
