# Path-buffer race on a performed unlink: thread B rewrites a ctypes buffer between "allowed.txt"
# and "forbidden.txt" while thread A calls the raw unlink syscall on that buffer (at most 2000 times),
# re-creating allowed.txt after each delete. The supervisor judges the name it copied and unlinks its own
# copy in the directory it took: whatever the buffer holds afterwards, forbidden.txt is never removed.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 120, "stdout": ["forbidden.txt intact: True", "allowed deletes > 0: True", "denied > 0: True", "flips >= 2000: True"], "files": {"forbidden.txt": "TOP SECRET", "allowed.txt": "a"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "delete", "path": "{WORK}/forbidden.txt"}}
# event: {"decision": "allow", "layer": "syscall", "action": {"type": "file", "subtype": "delete", "path": "{WORK}/allowed.txt"}}
# no-event: {"decision": "allow", "action": {"path": "re:forbidden"}}
import ctypes
import errno
import os
import sys
import threading

sys.setswitchinterval(1e-6)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_unlink = 87
work = os.getcwd()
before = os.stat("forbidden.txt")
ALLOWED, FORBIDDEN = b"allowed.txt\0\0\0", b"forbidden.txt\0"
buf = ctypes.create_string_buffer(ALLOWED, 32)
stop = threading.Event()
flips = 0


def flipper():
    global flips
    while not stop.is_set():
        ctypes.memmove(buf, FORBIDDEN if flips % 2 == 0 else ALLOWED, len(FORBIDDEN))
        flips += 1


t = threading.Thread(target=flipper)
t.start()
deleted = denied = other = 0
for i in range(2000):
    r = libc.syscall(SYS_unlink, buf)
    e = ctypes.get_errno()
    if r == 0:
        deleted += 1
        if not os.path.exists("forbidden.txt"):
            break
        with open(os.path.join(work, "allowed.txt"), "w") as f:
            f.write("a")
    elif e == errno.EACCES:
        denied += 1
    else:
        other += 1
stop.set()
t.join()
try:
    st = os.stat("forbidden.txt")  # not read: the policy forbids that
    intact = st.st_ino == before.st_ino and st.st_size == 10
except FileNotFoundError:
    intact = False
print("forbidden.txt intact:", intact)
print("allowed deletes > 0:", deleted > 0)
print("denied > 0:", denied > 0)
print("flips >= 2000:", flips >= 2000)
print(f"deleted={deleted} denied={denied} other={other} flips={flips}", file=sys.stderr)
