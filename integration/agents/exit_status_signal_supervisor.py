# The agent may not signal its supervisor: os.kill(os.getppid(), SIGTERM) is refused with PermissionError and logged (reason irongate_supervisor); the agent then exits normally with 0.
# irongate: {"exit": 0, "stdout": ["kill supervisor: PermissionError", "alive"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_supervisor", "action": {"type": "tamper", "subtype": "signal_supervisor"}}
import os
import signal

try:
    os.kill(os.getppid(), signal.SIGTERM)
    print("kill supervisor: sent")
except PermissionError as e:
    print("kill supervisor:", type(e).__name__)
print("alive")
