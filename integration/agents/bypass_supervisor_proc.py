# The supervisor's /proc entry holds its memory, environment and descriptors (the signing key, the
# dashboard token: R-2). Opening /proc/<supervisor>/mem from native code is refused at the kernel layer
# and logged unexplained; nothing of the supervisor's memory reaches the agent.
# irongate: {"exit": 0, "stdout": ["mem: fd=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_supervisor", "action": {"type": "file", "subtype": "read", "path": "re:^/proc/[0-9]+/mem$"}}
# no-event: {"decision": "allow", "action": {"path": "re:^/proc/[0-9]+/mem$"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
fd = libc.open(f"/proc/{os.getppid()}/mem".encode(), os.O_RDONLY)
print(f"mem: fd={fd} errno={errno.errorcode.get(ctypes.get_errno())}")
