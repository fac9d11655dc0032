# Leaves a child behind that ignores SIGTERM, then exits 7: IronGate must end
# what remains of the agent's tree (SIGTERM, then SIGKILL after the grace
# period) and exit with the agent's own status.
import os
import signal
import time

if os.fork() == 0:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(60)
    os._exit(0)
time.sleep(0.2)
print("leaving", flush=True)
os._exit(7)
