# An agent killed by a signal: os.kill(os.getpid(), SIGTERM) makes `irongate run` exit 128+15 = 143; a signal to itself is not a signal to the supervisor, so nothing is refused.
# irongate: {"exit": 143, "stdout": ["sending SIGTERM to myself"]}
# no-event: {"action": {"type": "tamper"}}
# no-event: {"decision": "block"}
import os
import signal
import time

print("sending SIGTERM to myself", flush=True)
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(5)
print("not reached")
