# Attack: pile up the supervisor's threads. An open that waits (a FIFO's reader before any writer) is
# answered on a thread of the supervisor's own; 300 threads of the agent each open the same FIFO for
# reading and wait there. The supervisor answers at most 256 such calls at once (the others fail with
# EAGAIN at once; a thread's first connection to the supervisor may be refused in such a burst too),
# its notify loop goes on answering the agent's other calls meanwhile, and a
# non-blocking writer then releases every waiting reader: each of the 300 opens ends.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/allow-processes.json"], "exit": 0, "timeout": 90, "stdout": ["other open while 300 wait: ok", "all readers ended: True", "bounded: True"]}
import errno
import os
import threading
import time

os.mkfifo("flood")
results = []
lock = threading.Lock()


def reader():
    try:
        fd = os.open("flood", os.O_RDONLY)
        os.close(fd)
        r = "opened"
    except OSError as e:
        r = errno.errorcode.get(e.errno) or f"{type(e).__name__}: {e}"
    with lock:
        results.append(r)


threads = [threading.Thread(target=reader, daemon=True) for _ in range(300)]
for t in threads:
    t.start()
time.sleep(2)
with open("other.txt", "w") as f:
    f.write("x")
print("other open while 300 wait: ok", flush=True)
w = os.open("flood", os.O_WRONLY | os.O_NONBLOCK)
for t in threads:
    t.join(30)
os.close(w)
print("all readers ended:", len(results) == 300, flush=True)
opened = results.count("opened")
# Refused: EAGAIN from the bound, or the hook's own connection of a thread refused in the burst.
print("bounded:", 0 < opened <= 256, opened, sorted(set(results))[:3], flush=True)
