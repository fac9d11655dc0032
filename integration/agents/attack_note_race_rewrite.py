# A second thread rewrites the note and the syscall's path between the note and the syscall. The agent
# registers a note buffer of its own (a forged hello on a raw connection) and, 2,000 times, notes
# /etc/hostname and makes a raw openat of a path buffer saying /etc/hostname, while another thread
# flips both the path buffer and the note's path between /etc/hostname and /etc/shadow (same length).
# The supervisor decides on its own copies: whatever it read is what it judged and what it opened, so
# no descriptor ever holds /etc/shadow's content, and every /etc/shadow decision is a block.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 240, "stdout": ["notes: True", "tries: 2000", "shadow content read: 0"]}
# event: {"decision": "allow", "action": {"type": "file", "path": "/etc/hostname"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "re:^/etc/(shadow|hostname).+"}}
import ctypes
import os
import sys
import threading

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_openat, AT_FDCWD = 257, -100
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import forged_note  # noqa: E402
SIZE = forged_note.SIZE
ALLOWED, BLOCKED = b"/etc/hostname", b"/etc/shadow\0\0"  # same length: the note's length stays right

buf = forged_note.buffer()
print("notes:", forged_note.hello(ctypes.addressof(buf)).get("notes"))

target = ctypes.create_string_buffer(64)
note_path = ctypes.addressof(buf) + 48
stop = threading.Event()


def flipper():
    while not stop.is_set():
        for p in (BLOCKED, ALLOWED):
            ctypes.memmove(target, p, len(p))
            ctypes.memmove(note_path, p, len(p))


def note(seq):
    ctypes.memmove(buf, forged_note.note_bytes(seq, ALLOWED), SIZE)


t = threading.Thread(target=flipper, daemon=True)
t.start()
leaked = tries = 0
for i in range(2000):
    ctypes.memmove(target, ALLOWED + b"\0", len(ALLOWED) + 1)
    note(i + 1)
    fd = libc.syscall(SYS_openat, AT_FDCWD, target, os.O_RDONLY, 0)
    tries += 1
    if fd >= 0:
        data = os.read(fd, 4096)
        os.close(fd)
        if b"root:" in data:
            leaked += 1
stop.set()
t.join()
print("tries:", tries)
print("shadow content read:", leaked)
