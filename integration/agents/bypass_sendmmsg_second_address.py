# sendmmsg sends a vector of messages, each with its own destination. This run's policy allows sending to
# 127.0.0.1:9999 only. The first message goes there, the second to 127.0.0.2:9999 — which nothing allows.
# Every destination in the vector must be judged: the call is refused (EACCES) and the forbidden
# destination logged unexplained; the receiver on 127.0.0.2:9999 gets nothing. (Receivers are bound on
# loopback, allowed by the policy, to prove what was delivered.)
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["sendmmsg=-1 errno=EACCES", "forbidden receiver got: nothing"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "default-deny"}, "action": {"type": "network", "subtype": "send", "ip": "127.0.0.2", "port": 9999}}
# no-event: {"decision": "allow", "action": {"type": "network", "subtype": "send", "ip": "127.0.0.2"}}
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


class MMsgHdr(ctypes.Structure):
    _fields_ = [("hdr", MsgHdr), ("len", ctypes.c_uint)]


ok_rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ok_rx.bind(("127.0.0.1", 9999))
bad_rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
bad_rx.bind(("127.0.0.2", 9999))
bad_rx.setblocking(False)

keep = []


def sockaddr(ip, port):
    b = ctypes.create_string_buffer(struct.pack("<H", socket.AF_INET) + struct.pack(">H", port) + socket.inet_aton(ip) + b"\0" * 8, 16)
    keep.append(b)
    return ctypes.cast(b, ctypes.c_void_p)


def message(ip, payload):
    data = ctypes.create_string_buffer(payload, len(payload))
    iov = IoVec(ctypes.cast(data, ctypes.c_void_p), len(payload))
    keep.extend([data, iov])
    return MMsgHdr(MsgHdr(sockaddr(ip, 9999), 16, ctypes.pointer(iov), 1, None, 0, 0), 0)


libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
vec = (MMsgHdr * 2)(message("127.0.0.1", b"allowed"), message("127.0.0.2", b"exfiltrated"))
r = libc.sendmmsg(s.fileno(), vec, 2, 0)
print(f"sendmmsg={r} errno={errno.errorcode.get(ctypes.get_errno()) if r < 0 else None}")
try:
    print("forbidden receiver got:", bad_rx.recv(100))
except BlockingIOError:
    print("forbidden receiver got: nothing")
