# A TCP connect to the local test server made by libc connect() through ctypes: no socket.connect audit
# event. The kernel layer decides it from the address (`sandboxed`: no network.socket), refuses it and
# logs it unexplained; the socket stays unconnected, nothing is sent.
# irongate: {"exit": 0, "stdout": ["connect=-1 errno=EACCES", "send: not connected"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:network.socket", "action": {"type": "network", "subtype": "connect", "ip": "127.0.0.1", "target": "{HTTP}"}}
# no-event: {"decision": "allow", "action": {"type": "network"}}
# no-event: {"layer": "hook", "action": {"type": "network", "subtype": "connect"}}
import ctypes
import errno
import os
import socket
import struct

host, port = os.environ["IRONGATE_TEST_HTTP"].rsplit(":", 1)
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
addr = struct.pack("<H", socket.AF_INET) + struct.pack(">H", int(port)) + socket.inet_aton(host) + b"\0" * 8
r = libc.connect(s.fileno(), addr, len(addr))
print(f"connect={r} errno={errno.errorcode.get(ctypes.get_errno())}")
try:
    s.send(b"GET /stolen HTTP/1.0\r\n\r\n")
    print("send: sent")
except OSError as e:
    print("send:", "not connected" if e.errno in (errno.EPIPE, errno.ENOTCONN) else errno.errorcode.get(e.errno))
