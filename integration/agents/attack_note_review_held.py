# A review of a noted open never blocks the notify loop. Thread A, once its note is registered (its
# first open), opens .env with open(): the hook leaves a note, the built-in policy sends the read to review (sensitive-files), and the syscall is
# handed to a held thread until the review times out (--review-timeout 3), then refused. Once A is seen
# inside its openat (/proc/self/task/<tid>/syscall), thread B makes 30 opens with open(), one with
# libc and a refused one, all answered while A is still held. The open is decided once: one review
# row (hook layer, on its note) and one timeout row, and .env is never read.
# irongate: {"args": ["--review-timeout", "3"], "exit": 0, "timeout": 60, "files": {".env": "API_KEY=hunter2", "a.txt": "hello"}, "stdout": ["B saw A in its open: True", "B done while A held: True", "B reads: 31", "B refused: PermissionError", "A: PermissionError"]}
# event: {"count": 1, "decision": "review", "layer": "hook", "rule": {"name": "sensitive-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.env"}}
# event: {"count": 1, "decision": "block", "layer": "review", "review": {"verdict": "block", "timeout": true}, "action": {"path": "{WORK}/.env"}}
# event: {"count": 32, "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/a.txt"}}
# no-event: {"decision": "allow", "action": {"path": "{WORK}/.env"}}
# no-event: {"layer": "syscall", "action": {"path": "{WORK}/.env"}}
import ctypes
import os
import threading

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
a_tid = []
a_started, a_done = threading.Event(), threading.Event()
result = {}


def thread_a():
    a_tid.append(libc.syscall(186))
    # The thread's first event registers its note (it goes as a frame); later opens are noted.
    open("a.txt").close()
    a_started.set()
    try:
        with open(".env") as f:
            result["A"] = "read " + f.read()
    except PermissionError:
        result["A"] = "PermissionError"
    a_done.set()


t = threading.Thread(target=thread_a)
t.start()
a_started.wait()
seen = False
for _ in range(100000):
    with open(f"/proc/self/task/{a_tid[0]}/syscall") as f:
        if f.read().split()[0] == "257":
            seen = True
            break
    if a_done.is_set():
        break
print("B saw A in its open:", seen)
reads = 0
for _ in range(30):
    with open("a.txt") as f:
        reads += f.read() == "hello"
fd = libc.open(os.path.abspath("a.txt").encode(), os.O_RDONLY)
if fd >= 0:
    reads += os.read(fd, 10) == b"hello"
    os.close(fd)
try:
    open("/etc/shadow")
    refused = "opened"
except PermissionError:
    refused = "PermissionError"
print("B done while A held:", not a_done.is_set())
print("B reads:", reads)
print("B refused:", refused)
t.join()
print("A:", result["A"])
