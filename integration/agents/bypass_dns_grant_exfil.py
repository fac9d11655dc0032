# An allowed name lookup explains the resolver's own traffic at the kernel layer (a send or connect to
# port 53). That must not turn port 53 of any address into an open channel: here a UDP datagram goes
# through libc sendto() to 127.0.0.2:53 — not a nameserver of this system — once before and once right
# after an allowed socket.getaddrinfo(). `sandboxed` has no network.socket: both must be refused and
# logged unexplained (a successful sendto returns the byte count, 5).
# irongate: {"exit": 0, "stdout": ["before lookup: sendto=-1 errno=EACCES", "lookup: ok", "after lookup: sendto=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "allow", "layer": "hook", "action": {"type": "network", "subtype": "dns", "host": "localhost"}}
# event: {"count": 2, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:network.socket", "action": {"type": "network", "subtype": "send", "ip": "127.0.0.2", "port": 53}}
import ctypes
import errno
import socket
import struct

libc = ctypes.CDLL(None, use_errno=True)


def send(label):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    addr = struct.pack("<H", socket.AF_INET) + struct.pack(">H", 53) + socket.inet_aton("127.0.0.2") + b"\0" * 8
    r = libc.sendto(s.fileno(), b"exfil", 5, 0, addr, len(addr))
    print(f"{label}: sendto={r} errno={errno.errorcode.get(ctypes.get_errno()) if r < 0 else None}")
    s.close()


send("before lookup")
socket.getaddrinfo("localhost", 80)
print("lookup: ok")
send("after lookup")
