# The filter is an allowlist: a syscall number the table does not classify (an unassigned number,
# or a syscall of a newer kernel) reaches the supervisor, which refuses it with ENOSYS — what an older
# kernel would answer — and logs it once per number. 400 and 500 are unassigned on x86_64. 335 is not a
# gap since Linux 6.11: it is uretprobe, which the kernel exempts from seccomp and which kills (SIGILL)
# any caller outside a uprobe trampoline, so no agent can be refused it.
# irongate: {"exit": 0, "stdout": ["nr500=-1 errno=ENOSYS", "nr400=-1 errno=ENOSYS", "nr500 again=-1 errno=ENOSYS", "getppid ok"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "action": {"type": "tamper", "subtype": "syscall", "name": "syscall 500"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "action": {"type": "tamper", "subtype": "syscall", "name": "syscall 400"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def call(label, nr):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), 0, 0, 0, 0, 0, 0)
    print(f"{label}={r} errno={errno.errorcode.get(ctypes.get_errno())}")


call("nr500", 500)
call("nr400", 400)
call("nr500 again", 500)
# The run goes on: an allowed call still works.
if os.getppid() > 0:
    print("getppid ok")
