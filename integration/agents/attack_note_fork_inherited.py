# A note is its own thread's, in its own process. The parent registers a note buffer with a forged
# hello and writes a note for /etc/hostname; then it forks. The child inherits a copy of that memory
# at the same address, but the supervisor knows no note for the child's thread: the child's raw open
# of /etc/hostname is judged on its own (syscall layer, unexplained), and its Python opens work with
# a note of its own (hook layer). The parent's raw open is explained by its note (hook layer). One
# row per open.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["notes: True", "child raw: opened", "child python: True", "child exit: 0", "parent raw: opened"]}
# event: {"count": 1, "decision": "allow", "layer": "syscall", "unexplained": true, "action": {"path": "/etc/hostname"}}
# event: {"count": 1, "decision": "allow", "layer": "hook", "frame": "agent.py:1", "action": {"path": "/etc/hostname"}}
# event: {"count": 2, "decision": "allow", "layer": "hook", "action": {"path": "/etc/hosts"}}
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

buf = ctypes.create_string_buffer(SIZE + 8)
path = os.path.join(os.path.dirname(os.path.dirname(sys.executable)), "sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
sa = struct.pack("=H", socket.AF_UNIX) + path.encode() + b"\0"
assert libc.connect(s.fileno(), sa, len(sa)) == 0
frame = b"\x01" + json.dumps({"op": "hello", "kind": "thread", "tid": libc.syscall(SYS_gettid), "note": ctypes.addressof(buf)}).encode()
libc.send(s.fileno(), frame, len(frame), 0)
out = ctypes.create_string_buffer(65536)
n = libc.recv(s.fileno(), out, 65536, 0)
print("notes:", json.loads(out.raw[1:n]).get("notes"), flush=True)
b = bytearray(SIZE)
p = b"/etc/hostname"
struct.pack_into("=QqqBBHH", b, 0, 1, os.O_RDONLY, -1, 1, 0, len(p), 10)
b[48:48 + len(p)] = p
b[1072:1082] = b"agent.py:1"
ctypes.memmove(buf, bytes(b), SIZE)


def raw(label):
    fd = libc.syscall(SYS_openat, AT_FDCWD, p, os.O_RDONLY, 0)
    if fd >= 0:
        os.close(fd)
    print(f"{label}: " + ("opened" if fd >= 0 else "fd=-1"), flush=True)


pid = os.fork()
if pid == 0:
    raw("child raw")
    with open("/etc/hosts") as f:
        ok = len(f.read()) > 0
    with open("/etc/hosts") as f:
        ok = ok and len(f.read()) > 0
    print("child python:", ok, flush=True)
    os._exit(0)
_, status = os.waitpid(pid, 0)
print("child exit:", os.waitstatus_to_exitcode(status), flush=True)
raw("parent raw")
