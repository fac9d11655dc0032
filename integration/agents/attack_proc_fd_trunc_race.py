# A write-open through /proc/self/fd/N while another thread re-points N with dup2. The policy lets
# readonly/victim ("precious") be read but never written. The agent holds a read descriptor R of it
# (allowed) and a descriptor W of its own scratch file; thread B keeps dup2()-ing R or W onto N while
# thread A opens /proc/self/fd/N with O_WRONLY|O_TRUNC (libc) 3,000 times. The open is judged on what N
# is at that moment; the supervisor's own open must then truncate exactly that file: on main it
# followed the agent's /proc link again, so a judged W could reach (and empty) the victim before the
# read-back refused the descriptor. The victim keeps its 8 bytes.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/readonly-dir.json"], "exit": 0, "timeout": 240, "files": {"readonly/victim": "precious", "mine.txt": "mine"}, "stdout": ["tries: 3000", "victim size: 8", "both judged: True"]}
# event: {"decision": "block", "rule": {"name": "readonly-dir"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/readonly/victim"}}
# no-event: {"decision": "allow", "action": {"subtype": "write", "path": "{WORK}/readonly/victim"}}
import ctypes
import os
import threading

libc = ctypes.CDLL(None, use_errno=True)
R = os.open("readonly/victim", os.O_RDONLY)
W = os.open("mine.txt", os.O_RDONLY)
N = os.dup(W)
stop = threading.Event()


def swapper():
    while not stop.is_set():
        os.dup2(R, N)
        os.dup2(W, N)


t = threading.Thread(target=swapper, daemon=True)
t.start()
path = f"/proc/self/fd/{N}".encode()
opened = refused = 0
for _ in range(3000):
    fd = libc.open(path, os.O_WRONLY | os.O_TRUNC)
    if fd >= 0:
        opened += 1
        os.close(fd)
    else:
        refused += 1
stop.set()
t.join()
print("tries: 3000")
print("victim size:", os.fstat(R).st_size)
print("both judged:", opened > 0 and refused > 0)
