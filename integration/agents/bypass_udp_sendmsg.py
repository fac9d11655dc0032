# The same datagram with libc sendmsg() and msg_name set (the address inside struct msghdr): trapped,
# decoded from the msghdr, refused (`sandboxed`: no network.socket) and logged unexplained.
# irongate: {"exit": 0, "stdout": ["sendmsg=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:network.socket", "action": {"type": "network", "subtype": "send", "ip": "127.0.0.1", "port": 9998}}
# no-event: {"decision": "allow", "action": {"type": "network"}}
import ctypes
import errno
import socket
import struct


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class MsgHdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32), ("iov", ctypes.POINTER(IoVec)),
                ("iovlen", ctypes.c_size_t), ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
addr = ctypes.create_string_buffer(
    struct.pack("<H", socket.AF_INET) + struct.pack(">H", 9998) + socket.inet_aton("127.0.0.1") + b"\0" * 8, 16)
data = ctypes.create_string_buffer(b"exfiltrated", 11)
iov = IoVec(ctypes.cast(data, ctypes.c_void_p), 11)
msg = MsgHdr(ctypes.cast(addr, ctypes.c_void_p), 16, ctypes.pointer(iov), 1, None, 0, 0)
r = libc.sendmsg(s.fileno(), ctypes.byref(msg), 0)
print(f"sendmsg={r} errno={errno.errorcode.get(ctypes.get_errno())}")
