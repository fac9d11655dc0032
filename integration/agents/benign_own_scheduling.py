# Changing the scheduling of the agent's own tasks works: its own affinity and nice value (pid 0),
# a thread of its own by its tid (what pthread_setaffinity_np and OpenMP runtimes do), a child
# process by its pid, and its own I/O priority. None of it is refused or logged as tampering.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/allow-processes.json"], "exit": 0, "timeout": 30, "stdout": ["self: ok", "thread: ok", "child: ok", "ioprio: ok"]}
# no-event: {"decision": "block"}
# no-event: {"action": {"type": "tamper", "name": "scheduling"}}
import ctypes
import os
import subprocess
import sys
import threading

cpus = sorted(os.sched_getaffinity(0))
os.sched_setaffinity(0, cpus)
os.setpriority(os.PRIO_PROCESS, 0, os.getpriority(os.PRIO_PROCESS, 0))
print("self: ok")

done = threading.Event()
tid = []


def worker():
    tid.append(threading.get_native_id())
    done.wait(10)


t = threading.Thread(target=worker)
t.start()
while not tid:
    pass
os.sched_setaffinity(tid[0], cpus[:1])
os.setpriority(os.PRIO_PROCESS, tid[0], 5)
done.set()
t.join()
print("thread: ok")

child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2)"])
os.sched_setaffinity(child.pid, cpus)
os.setpriority(os.PRIO_PROCESS, child.pid, 10)
child.kill()
child.wait()
print("child: ok")

libc = ctypes.CDLL(None, use_errno=True)
IOPRIO_WHO_PROCESS = 1
best_effort_4 = (2 << 13) | 4
rc = libc.syscall(251, IOPRIO_WHO_PROCESS, 0, best_effort_4)
print("ioprio:", "ok" if rc == 0 else f"errno {ctypes.get_errno()}")
