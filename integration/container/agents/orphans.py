# 1,000 short-lived grandchildren orphaned at once: IronGate as PID 1 must
# reap every one (none may stay a zombie).
import os
import time

N = int(os.environ.get("ORPHANS", "1000"))
for i in range(N):
    pid = os.fork()
    if pid == 0:
        if os.fork() == 0:
            time.sleep(0.2)
            os._exit(0)
        os._exit(0)
    os.waitpid(pid, 0)


def zombies():
    n = 0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    n += 1
        except OSError:
            pass
    return n


deadline = time.time() + 5
time.sleep(0.3)
while zombies() and time.time() < deadline:
    time.sleep(0.1)
print("orphans:", N, "zombies left:", zombies())
