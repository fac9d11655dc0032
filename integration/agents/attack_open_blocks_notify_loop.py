# An open that sleeps in the supervisor (review 7; NOT FIXED: this agent fails until it is). Opens are
# emulated on the notify loop itself: the supervisor's own openat of the agent's path runs there, and
# whatever makes that openat sleep stops the loop for every process of the agent. Two ways, both open to any
# user: (1) a write lease (fcntl F_SETLEASE, allowed plainly) on a file of the agent's, which another thread
# of the agent then opens: the supervisor's open breaks the lease and waits for the holder, which ignores
# SIGIO, up to /proc/sys/fs/lease-break-time (45 s); an unrelated open of a third thread took 44.5 s;
# (2) a FIFO (mkfifo, allowed by the built-in policy) opened for reading with no writer: the loop sleeps
# until some process outside the agent opens it for writing — the agent's own open for writing is stuck
# behind the loop, so the run hangs for good (an outside writer released a hand-run attempt after 7.9 s).
# Here (1), bounded: the agent drops its lease itself after 2 s (F_UNLCK, not notified). Expected once
# fixed (an open that may sleep done off the loop, or with O_NONBLOCK first): the unrelated open is quick.
# irongate: {"args": ["--profile", "trusted"], "exit": 0, "stdout": ["lease taken: True", "unrelated open within 1 s: True"], "timeout": 60}
import fcntl
import os
import signal
import threading
import time

F_SETLEASE = 1024
signal.signal(signal.SIGIO, signal.SIG_IGN)  # the lease-break notice: ignored, the lease kept
path = os.path.abspath("leased.txt")
with open(path, "w") as f:
    f.write("x")
fd = os.open(path, os.O_RDONLY)
try:
    fcntl.fcntl(fd, F_SETLEASE, fcntl.F_WRLCK)
    print("lease taken: True", flush=True)
except OSError as e:
    print("lease taken:", e, flush=True)


def open_leased():
    try:
        os.close(os.open(path, os.O_RDONLY))  # the supervisor's openat breaks the lease and waits
    except OSError:
        pass


def release_later():
    time.sleep(2)
    fcntl.fcntl(fd, F_SETLEASE, fcntl.F_UNLCK)


threading.Thread(target=open_leased, daemon=True).start()
threading.Thread(target=release_later, daemon=True).start()
time.sleep(0.3)
t = time.time()
os.close(os.open("unrelated.txt", os.O_RDONLY | os.O_CREAT))
took = time.time() - t
print("unrelated open within 1 s:", took < 1, f"({took:.1f} s)", flush=True)
