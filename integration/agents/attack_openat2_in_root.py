# openat2 scoped to a directory (RESOLVE_IN_ROOT, RESOLVE_BENEATH): "/private/key" then names a file
# below the directory, not /private/key. The policy blocks {WORK}/private/ and allows reads elsewhere.
# A raw openat2(AT_FDCWD or a descriptor of {WORK}, "/private/key", RESOLVE_IN_ROOT) reaches
# {WORK}/private/key: it is judged there (blocked, one row each), never as the harmless /private/key
# (on main the plain-path shortcut took the spelling as the real path and injected the private file).
# A note for the same spelling explains nothing (the hook never notes openat2). Scoped lookups keep
# their meaning ("/etc/hostname" in root {WORK} does not exist), and an unscoped openat2 with
# RESOLVE_NO_SYMLINKS of a plain path still opens.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/private-dir.json"], "exit": 0, "files": {"private/key": "TOPSECRET"}, "stdout": ["python: PermissionError", "in_root cwd: fd=-1 EACCES", "in_root dirfd: fd=-1 EACCES", "beneath: fd=-1", "noted in_root: fd=-1 EACCES", "in_root hostname: fd=-1 ENOENT", "no_symlinks hostname: opened", "private content read: 0"]}
# event: {"count": 5, "decision": "block", "reason": "Private test file", "action": {"type": "file", "path": "{WORK}/private/key"}}
# event: {"count": 4, "decision": "block", "layer": "syscall", "unexplained": true, "action": {"path": "{WORK}/private/key", "requested": "/private/key"}}
# no-event: {"decision": "allow", "action": {"path": "re:private"}}
# no-event: {"layer": "hook", "action": {"requested": "/private/key"}}
import ctypes
import errno
import json
import os
import socket
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_openat2, SYS_gettid, AT_FDCWD = 437, 186, -100
RESOLVE_NO_SYMLINKS, RESOLVE_BENEATH, RESOLVE_IN_ROOT = 0x04, 0x08, 0x10
SIZE = 48 + 1024 + 240  # ipc::note::SIZE; the tool-end counter follows


class OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


leaked = 0


def attempt(label, dirfd, path, resolve):
    global leaked
    how = OpenHow(os.O_RDONLY, 0, resolve)
    fd = libc.syscall(SYS_openat2, dirfd, path, ctypes.byref(how), ctypes.sizeof(how))
    if fd < 0:
        e = ctypes.get_errno()
        name = errno.errorcode.get(e, e) if label not in ("beneath",) else ""
        print(f"{label}: fd=-1 {name}".rstrip())
        return
    leaked += b"TOPSECRET" in os.read(fd, 100)
    os.close(fd)
    print(f"{label}: opened")


try:
    open("private/key").read()
    print("python: read")
except PermissionError:
    print("python: PermissionError")
work = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
attempt("in_root cwd", AT_FDCWD, b"/private/key", RESOLVE_IN_ROOT)
attempt("in_root dirfd", work, b"/private/key", RESOLVE_IN_ROOT)
attempt("beneath", work, b"/private/key", RESOLVE_BENEATH)

# A forged note for the same spelling, in a buffer registered with a forged hello.
buf = ctypes.create_string_buffer(SIZE + 8)
path = os.path.join(os.path.dirname(os.path.dirname(sys.executable)), "sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
sa = struct.pack("=H", socket.AF_UNIX) + path.encode() + b"\0"
assert libc.connect(s.fileno(), sa, len(sa)) == 0
frame = b"\x01" + json.dumps({"op": "hello", "kind": "thread", "tid": libc.syscall(SYS_gettid), "note": ctypes.addressof(buf)}).encode()
libc.send(s.fileno(), frame, len(frame), 0)
out = ctypes.create_string_buffer(65536)
libc.recv(s.fileno(), out, 65536, 0)
b = bytearray(SIZE)
p = b"/private/key"
struct.pack_into("=QqqBBHH", b, 0, 1, os.O_RDONLY, -1, 1, 0, len(p), 10)
b[48:48 + len(p)] = p
b[1072:1082] = b"agent.py:1"
ctypes.memmove(buf, bytes(b), SIZE)
attempt("noted in_root", AT_FDCWD, p, RESOLVE_IN_ROOT)

attempt("in_root hostname", AT_FDCWD, b"/etc/hostname", RESOLVE_IN_ROOT)
attempt("no_symlinks hostname", AT_FDCWD, b"/etc/hostname", RESOLVE_NO_SYMLINKS)
print("private content read:", leaked)
