# --backstop kill with notes. A note (the hook's own, or one the agent forges in a buffer it registers
# with a forged hello) can only make an open the hook layer's decision on the real path: a blocked
# file stays blocked (EACCES, logged once as a hook-layer block, not as unexplained). A raw open that
# no note explains (here: a note for another file) is the kernel layer's: refused and the agent
# killed (exit 137); nothing after it runs.
# irongate: {"args": ["--backstop", "kill", "--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 137, "stdout": ["python open: PermissionError", "notes: True", "forged note: fd=-1", "before unexplained"]}
# event: {"count": 3, "decision": "block", "rule": {"name": "system-secrets"}, "action": {"type": "file", "path": "/etc/shadow"}}
# event: {"count": 2, "decision": "block", "layer": "hook", "unexplained": false, "action": {"path": "/etc/shadow"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "action": {"path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import ctypes
import json
import os
import socket
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_openat, SYS_gettid, AT_FDCWD = 257, 186, -100
SIZE = 48 + 1024 + 240  # ipc::note::SIZE; the tool-end counter follows

try:
    open("/etc/shadow")
    print("python open: opened")
except PermissionError:
    print("python open: PermissionError")

buf = ctypes.create_string_buffer(SIZE + 8)
path = os.path.join(os.path.dirname(os.path.dirname(sys.executable)), "sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
sa = struct.pack("=H", socket.AF_UNIX) + path.encode() + b"\0"
assert libc.connect(s.fileno(), sa, len(sa)) == 0
frame = b"\x01" + json.dumps({"op": "hello", "kind": "thread", "tid": libc.syscall(SYS_gettid), "note": ctypes.addressof(buf)}).encode()
libc.send(s.fileno(), frame, len(frame), 0)
out = ctypes.create_string_buffer(65536)
n = libc.recv(s.fileno(), out, 65536, 0)
print("notes:", json.loads(out.raw[1:n]).get("notes"))


def note(seq, p):
    b = bytearray(SIZE)
    fr = b"agent.py:1"
    struct.pack_into("=QqqBBHH", b, 0, seq, os.O_RDONLY, -1, 1, 0, len(p), len(fr))
    b[48:48 + len(p)] = p
    b[1072:1072 + len(fr)] = fr
    ctypes.memmove(buf, bytes(b), SIZE)


note(1, b"/etc/shadow")
fd = libc.syscall(SYS_openat, AT_FDCWD, b"/etc/shadow", os.O_RDONLY, 0)
print("forged note: fd=%d" % fd, flush=True)
note(2, b"/etc/hostname")
print("before unexplained", flush=True)
fd = libc.syscall(SYS_openat, AT_FDCWD, b"/etc/shadow", os.O_RDONLY, 0)
print("after unexplained: fd", fd, flush=True)
