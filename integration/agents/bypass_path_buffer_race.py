# Path-buffer rewrite race: one thread rewrites a ctypes buffer between "ok.txt" and "/etc/shadow"
# at least 100,000 times while another calls libc open() on that same buffer. The supervisor judges the
# path it read and opens its own copy, injecting the fd: whatever the buffer holds by the time the kernel
# would have re-read it, no descriptor the agent gets ever refers to /etc/shadow.
# irongate: {"exit": 0, "timeout": 240, "stdout": ["forbidden opened: 0", "allowed opens > 0: True", "denied > 0: True", "flips >= 100000: True"], "files": {"ok.txt": "OK-CONTENT"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import ctypes
import os
import sys
import threading

libc = ctypes.CDLL(None, use_errno=True)
A, B = b"ok.txt\0", b"/etc/shadow\0"
buf = ctypes.create_string_buffer(32)
ctypes.memmove(buf, A, len(A))
stop = threading.Event()
flips = 0


def flipper():
    global flips
    memmove, a, b = ctypes.memmove, A, B
    while not stop.is_set():
        memmove(buf, b, len(b))
        memmove(buf, a, len(a))
        flips += 2


t = threading.Thread(target=flipper)
t.start()
allowed = denied = other = forbidden = 0
opens = 0
while opens < 2000 or flips < 100000:
    opens += 1
    fd = libc.open(buf, os.O_RDONLY)
    if fd < 0:
        if ctypes.get_errno() in (1, 13):
            denied += 1
        else:
            other += 1
        continue
    real = os.readlink(f"/proc/self/fd/{fd}")
    data = os.read(fd, 64)
    os.close(fd)
    if real.endswith("/ok.txt") and data == b"OK-CONTENT":
        allowed += 1
    else:
        forbidden += 1
stop.set()
t.join()
print("forbidden opened:", forbidden)
print("allowed opens > 0:", allowed > 0)
print("denied > 0:", denied > 0)
print("flips >= 100000:", flips >= 100000)
print(f"opens={opens} allowed={allowed} denied={denied} other={other} flips={flips}", file=sys.stderr)
