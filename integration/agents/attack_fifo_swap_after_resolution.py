# Review 10: the FIFO test of an emulated open reads the file type its policy resolution saw, so a
# file swapped between that resolution and the open is opened as the other type. A thread swaps a
# regular file and a FIFO (no writer) under one name while two threads open it read-only: a FIFO
# taken for a regular file is opened by the O_NONBLOCK probe (at once, never on the loop blocking),
# a regular file taken for a FIFO on a thread of its own. The notify loop keeps answering meanwhile
# (checked opens on the side go on: a stalled loop would hang them past the timeout) and every
# waiting open ends once a writer comes.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/allow-processes.json"], "exit": 0, "timeout": 60, "stdout": ["openers done: True", "side opens answered: True", "opens: True"]}
import os
import threading
import time

d = os.environ["TMPDIR"]
p = os.path.join(d, "swapped")
reg = os.path.join(d, "reg")
fifo = os.path.join(d, "fifo")
other = os.path.join(d, "other")
for f in (reg, other):
    with open(f, "w") as fh:
        fh.write("x")
os.mkfifo(fifo)
os.link(reg, p)
stop = threading.Event()
opened = [0]


def swapper():
    i = 0
    while not stop.is_set():
        src = fifo if i % 2 else reg
        tmp = f"{p}.{i}"
        os.link(src, tmp)
        os.replace(tmp, p)
        i += 1


def opener():
    while not stop.is_set():
        try:
            fd = os.open(p, os.O_RDONLY)
            os.close(fd)
            opened[0] += 1
        except OSError:
            pass


threads = [threading.Thread(target=swapper)] + [threading.Thread(target=opener) for _ in range(2)]
for t in threads:
    t.start()
side = 0
end = time.monotonic() + 3
while time.monotonic() < end:
    os.close(os.open(other, os.O_RDONLY))
    side += 1
stop.set()
deadline = time.monotonic() + 20
while any(t.is_alive() for t in threads[1:]) and time.monotonic() < deadline:
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass
    time.sleep(0.01)
for t in threads:
    t.join(timeout=1)
print("openers done:", not any(t.is_alive() for t in threads))
print("side opens answered:", side > 0)
print("opens:", opened[0] > 0)
os._exit(0)
