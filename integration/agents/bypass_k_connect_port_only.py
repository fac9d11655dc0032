# An intent must explain only the whole destination (R-4: family + address + port, once). This run's
# policy allows connect to 127.0.0.2 only. The agent listens on 127.0.0.2:P and 127.0.0.1:P (same port),
# makes an allowed hook-layer socket.create_connection to 127.0.0.2:P, then at once a raw libc connect()
# to 127.0.0.1:P on a new socket, and a raw connect to 127.0.0.2:P again (no intent left: decided on its
# own, allowed). The 127.0.0.1 connect is refused (EACCES) and logged as a block of its own,
# unexplained; the 127.0.0.1 listener never sees a connection.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/k_net.json"], "exit": 0, "stdout": ["hook connect 127.0.0.2: ok", "raw connect 127.0.0.1=-1 errno=EACCES", "raw connect 127.0.0.2 again=0 errno=None", "accepted on 127.0.0.1: 0", "accepted on 127.0.0.2: 2"]}
# event: {"count": 1, "decision": "allow", "layer": "hook", "rule": {"name": "only-127-0-0-2"}, "action": {"type": "network", "subtype": "connect", "ip": "127.0.0.2"}}
# event: {"count": 1, "decision": "allow", "layer": "syscall", "unexplained": true, "rule": {"name": "only-127-0-0-2"}, "action": {"type": "network", "subtype": "connect", "ip": "127.0.0.2"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "default-deny"}, "action": {"type": "network", "subtype": "connect", "ip": "127.0.0.1"}}
# no-event: {"decision": "allow", "action": {"type": "network", "subtype": "connect", "ip": "127.0.0.1"}}
import ctypes
import errno
import select
import socket
import struct

libc = ctypes.CDLL(None, use_errno=True)
l2 = socket.socket()
l2.bind(("127.0.0.2", 0))
port = l2.getsockname()[1]
l1 = socket.socket()
l1.bind(("127.0.0.1", port))
for s in (l1, l2):
    s.listen(16)
    s.setblocking(False)


def sockaddr(ip, p):
    return struct.pack("<H", socket.AF_INET) + struct.pack(">H", p) + socket.inet_aton(ip) + b"\0" * 8


c = socket.create_connection(("127.0.0.2", port), timeout=5)
print("hook connect 127.0.0.2: ok")
s1 = socket.socket()
a = sockaddr("127.0.0.1", port)
r = libc.connect(s1.fileno(), a, len(a))
print(f"raw connect 127.0.0.1={r} errno={errno.errorcode.get(ctypes.get_errno()) if r else None}")
s2 = socket.socket()
a = sockaddr("127.0.0.2", port)
r = libc.connect(s2.fileno(), a, len(a))
print(f"raw connect 127.0.0.2 again={r} errno={errno.errorcode.get(ctypes.get_errno()) if r else None}")


def drain(listener):
    n = 0
    while select.select([listener], [], [], 0.3)[0]:
        try:
            listener.accept()[0].close()
            n += 1
        except BlockingIOError:
            break
    return n


print("accepted on 127.0.0.1:", drain(l1))
print("accepted on 127.0.0.2:", drain(l2))
