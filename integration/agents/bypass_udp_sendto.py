# A UDP datagram sent with libc sendto() and a destination address (exfiltration without connect): the
# kernel layer traps sendto with an address, refuses it (`sandboxed`: no network.socket) and logs it
# unexplained. The agent's own receiving socket (a socketpair peer cannot be addressed; a bound UDP
# socket would need bind, which is refused too) is not needed: the errno is the proof.
# irongate: {"exit": 0, "stdout": ["sendto=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:network.socket", "action": {"type": "network", "subtype": "send", "ip": "127.0.0.1", "port": 9999, "target": "127.0.0.1:9999"}}
# no-event: {"decision": "allow", "action": {"type": "network"}}
import ctypes
import errno
import socket
import struct

libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
addr = struct.pack("<H", socket.AF_INET) + struct.pack(">H", 9999) + socket.inet_aton("127.0.0.1") + b"\0" * 8
data = b"exfiltrated"
r = libc.sendto(s.fileno(), data, len(data), 0, addr, len(addr))
print(f"sendto={r} errno={errno.errorcode.get(ctypes.get_errno())}")
