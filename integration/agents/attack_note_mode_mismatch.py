# A note (or an event frame) whose mode says another access than its flags. The policy allows
# modeguard.txt when opened with mode "rb" and denies writes. The agent registers a note buffer of its
# own with a forged hello on a raw connection to the supervisor's socket, writes a note saying mode
# "rb" with flags O_WRONLY|O_TRUNC, and makes that raw openat: the mode is not the open's, so the note
# explains nothing and the syscall is judged on its own (a write: denied). The same with a forged
# `open` event frame followed by the raw syscall: the mode is dropped from the action, the flags decide.
# The file keeps its content.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/note-mode.json"], "exit": 0, "files": {"modeguard.txt": "original"}, "stdout": ["welcome notes: True", "forged note: fd=-1 errno=EACCES", "forged event: block", "forged event open: fd=-1 errno=EACCES", "content: b'original'"]}
# event: {"count": 3, "decision": "block", "reason": "default_deny", "action": {"type": "file", "subtype": "write", "path": "{WORK}/modeguard.txt"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "reason": "default_deny", "action": {"type": "file", "subtype": "write", "path": "{WORK}/modeguard.txt", "flags": 513}}
# no-event: {"decision": "allow", "action": {"subtype": "write"}}
# no-event: {"action": {"subtype": "write", "mode": "rb"}}
import ctypes
import errno
import json
import os
import socket
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_openat, SYS_gettid, AT_FDCWD = 257, 186, -100
SIZE = 48 + 1024 + 240  # ipc::note::SIZE; the tool-end counter follows


def connect_supervisor():
    path = os.path.join(os.path.dirname(os.path.dirname(sys.executable)), "sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    addr = struct.pack("=H", socket.AF_UNIX) + path.encode() + b"\0"
    assert libc.connect(s.fileno(), addr, len(addr)) == 0
    return s


def exchange(s, msg):
    frame = b"\x01" + json.dumps(msg).encode()
    libc.send(s.fileno(), frame, len(frame), 0)
    buf = ctypes.create_string_buffer(65536)
    n = libc.recv(s.fileno(), buf, 65536, 0)
    return json.loads(buf.raw[1:n])


def note(buf, seq, flags, path, mode):
    b = bytearray(SIZE)
    frame = b"agent.py:1"
    struct.pack_into("=QqqBBHH", b, 0, seq, flags, -1, 1, len(mode), len(path), len(frame))
    b[32:32 + len(mode)] = mode
    b[48:48 + len(path)] = path
    b[1072:1072 + len(frame)] = frame
    ctypes.memmove(buf, bytes(b), SIZE)


def raw_open(path, flags):
    fd = libc.syscall(SYS_openat, AT_FDCWD, path, flags, 0o644)
    err = errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno()) if fd < 0 else 0
    if fd >= 0:
        os.write(fd, b"pwned")
        os.close(fd)
    return f"fd={fd} errno={err}"


tid = libc.syscall(SYS_gettid)
target = os.path.abspath("modeguard.txt").encode()
flags = os.O_WRONLY | os.O_TRUNC

buf = ctypes.create_string_buffer(SIZE + 8)
conn = connect_supervisor()
w = exchange(conn, {"op": "hello", "kind": "thread", "tid": tid, "note": ctypes.addressof(buf)})
print("welcome notes:", w.get("notes"))
note(buf, 5, flags, target, b"rb")
print("forged note:", raw_open(target, flags))

# The event-frame path: a forged `open` event whose mode says "rb", then the raw syscall.
ev = connect_supervisor()
exchange(ev, {"op": "hello", "kind": "thread", "tid": tid})
v = exchange(ev, {"op": "event", "tid": tid, "event": "open", "args": [target.decode(), "rb", flags], "frame": "agent.py:1"})
print("forged event:", v.get("decision"))
print("forged event open:", raw_open(target, flags))
with open("modeguard.txt", "rb") as f:
    print("content:", f.read())
