# --backstop audit only records what the policy would block — but IronGate's own boundaries are not
# policy (R-33: its home is never reachable, whatever the policy says; R-42: the supervisor is out of
# reach). In audit mode native code still cannot open the database, the supervisor's memory, or signal
# the supervisor.
# irongate: {"args": ["--backstop", "audit"], "exit": 0, "stdout": ["db: fd=-1 errno=EACCES", "supervisor mem: fd=-1 errno=EACCES", "kill supervisor: -1 errno=EPERM", "still supervised"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_state", "action": {"type": "file", "path": "re:/home/irongate\\.db$"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_supervisor", "action": {"type": "file", "path": "re:^/proc/[0-9]+/mem$"}}
import ctypes
import errno
import os
import signal

libc = ctypes.CDLL(None, use_errno=True)
sup = os.getppid()


def err():
    return errno.errorcode.get(ctypes.get_errno())


db = os.path.join(os.getcwd(), "..", "home", "irongate.db")
fd = libc.open(db.encode(), os.O_RDWR)
print(f"db: fd={fd} errno={err() if fd < 0 else None}")
fd = libc.open(f"/proc/{sup}/mem".encode(), os.O_RDONLY)
print(f"supervisor mem: fd={fd} errno={err() if fd < 0 else None}")
r = libc.kill(sup, signal.SIGKILL)
print(f"kill supervisor: {r} errno={err() if r < 0 else None}")
print("still supervised" if os.getppid() == sup else "supervisor gone")
