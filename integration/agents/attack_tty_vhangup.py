# TIOCVHANGUP, the ioctl form of the forbidden vhangup syscall (review 7): an agent with CAP_SYS_ADMIN (root
# without --isolate) that shares the user's terminal hung it up with ioctl(0, TIOCVHANGUP): the kernel sent
# SIGHUP to the terminal's session leader (the user's shell; a kernel signal, so Landlock's signal scope does
# not see it) and the supervisor's own stdin/stderr answered EIO from then on (review announcements and the
# prompt lost). Checked here on a pseudo-terminal of the agent's own (no terminal is shared under the test
# runner): the request is refused in the filter's signal-route list (EPERM, logged as irongate_terminal) and
# the terminal stays usable. Without the refusal the ioctl answers 0 (as root) and the slave's write EIO.
# irongate: {"args": ["--profile", "trusted"], "exit": 0, "stdout": ["TIOCVHANGUP=-1 EPERM", "slave writable after: True", "still supervised: True"], "timeout": 60}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_terminal", "action": {"type": "tamper", "subtype": "signal_route"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
TIOCVHANGUP = 0x5437
sup = os.getppid()

master, slave = os.openpty()
rc = libc.ioctl(slave, TIOCVHANGUP, 0)
e = ctypes.get_errno()
print(f"TIOCVHANGUP={rc}", errno.errorcode.get(e, e) if rc < 0 else "", flush=True)
try:
    os.write(slave, b"ping\n")
    writable = True
except OSError as ex:
    writable = f"{ex!r}"
print("slave writable after:", writable, flush=True)
os.close(slave)
os.close(master)
print("still supervised:", os.getppid() == sup, flush=True)
