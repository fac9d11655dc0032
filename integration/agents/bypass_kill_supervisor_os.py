# os.kill(os.getppid(), SIGKILL) from Python: the hook layer sees the os.kill event aimed at the
# supervisor and blocks it (a tamper action), and the filter would refuse the syscall anyway.
# irongate: {"exit": 0, "stdout": ["os.kill: PermissionError", "still supervised"]}
# event: {"count": 1, "decision": "block", "layer": "hook", "reason": "re:^irongate_supervisor", "action": {"type": "tamper", "subtype": "signal_supervisor"}}
import os
import signal

sup = os.getppid()
try:
    os.kill(sup, signal.SIGKILL)
    print("os.kill: sent")
except PermissionError:
    print("os.kill: PermissionError")
print("still supervised" if os.getppid() == sup else "supervisor gone")
