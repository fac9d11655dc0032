# --backstop kill: an unexplained syscall the policy blocks is refused and the whole agent is killed
# (SIGKILL: exit 137), so native code gets no second try. The block is logged before the kill; nothing
# after the call runs.
# irongate: {"args": ["--backstop", "kill"], "exit": 137, "stdout": ["before"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}}
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
print("before", flush=True)
fd = libc.open(b"/etc/shadow", os.O_RDONLY)
print("after: fd", fd, flush=True)
