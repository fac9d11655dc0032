# Attack (review 7, the remainder of the SIGIO route): signal-driven I/O needs no F_SETOWN to reach
# other processes. On a terminal the kernel makes the terminal's foreground process group (IronGate's,
# and the user's `| tee`) the owner of O_ASYNC by itself. So O_ASYNC is refused however it is asked
# for: fcntl(F_SETFL) with O_ASYNC (raw, through ctypes) and the FIOASYNC ioctl, on a pipe here (the
# refusal does not depend on the descriptor); F_SETFL without O_ASYNC (O_NONBLOCK) still works.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/allow-processes.json"], "exit": 0, "timeout": 30, "stdout": ["F_SETFL O_ASYNC: EPERM", "FIOASYNC: EPERM", "O_ASYNC set: False", "F_SETFL O_NONBLOCK: ok"]}
# event: {"decision": "block", "layer": "syscall", "action": {"type": "tamper", "name": "signal_route", "target": "O_ASYNC"}}
import ctypes
import errno
import fcntl
import os

libc = ctypes.CDLL(None, use_errno=True)
r, w = os.pipe()
flags = fcntl.fcntl(r, fcntl.F_GETFL)
rc = libc.fcntl(r, fcntl.F_SETFL, flags | os.O_ASYNC)
print("F_SETFL O_ASYNC:", "ok" if rc == 0 else errno.errorcode[ctypes.get_errno()])
on = ctypes.c_int(1)
rc = libc.ioctl(r, 0x5452, ctypes.byref(on))
print("FIOASYNC:", "ok" if rc == 0 else errno.errorcode[ctypes.get_errno()])
print("O_ASYNC set:", bool(fcntl.fcntl(r, fcntl.F_GETFL) & os.O_ASYNC))
fcntl.fcntl(r, fcntl.F_SETFL, flags | os.O_NONBLOCK)
print("F_SETFL O_NONBLOCK:", "ok" if fcntl.fcntl(r, fcntl.F_GETFL) & os.O_NONBLOCK else "not set")
