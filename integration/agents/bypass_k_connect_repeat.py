# One allowed HTTP request does not open its address for later connections (R-4: an intent explains one
# call only). Under `read_only` (network.http, no network.socket) a urllib GET to the test server is
# allowed; then three socket.create_connection calls to the same host:port and three raw libc connect()
# calls to it are each a decision of their own: refused and logged one by one — nothing rides on the
# request's grant.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["urllib: 200", "create_connection 0: PermissionError", "create_connection 1: PermissionError", "create_connection 2: PermissionError", "raw connect 0=-1 errno=EACCES", "raw connect 1=-1 errno=EACCES", "raw connect 2=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "allow", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/once"}}
# event: {"count": 3, "decision": "block", "layer": "hook", "reason": "missing_capability:network.socket", "action": {"type": "network", "subtype": "connect", "target": "{HTTP}"}}
# event: {"count": 3, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:network.socket", "action": {"type": "network", "subtype": "connect", "target": "{HTTP}"}}
# no-event: {"decision": "allow", "action": {"type": "network", "subtype": "connect"}}
import ctypes
import errno
import os
import socket
import struct
import urllib.request

http = os.environ["IRONGATE_TEST_HTTP"]
host, port = http.rsplit(":", 1)
with urllib.request.urlopen(f"http://{http}/once", timeout=10) as r:
    print("urllib:", r.status)
for i in range(3):
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
        print(f"create_connection {i}: connected")
    except PermissionError:
        print(f"create_connection {i}: PermissionError")
libc = ctypes.CDLL(None, use_errno=True)
addr = struct.pack("<H", socket.AF_INET) + struct.pack(">H", int(port)) + socket.inet_aton(host) + b"\0" * 8
for i in range(3):
    s = socket.socket()
    r = libc.connect(s.fileno(), addr, len(addr))
    print(f"raw connect {i}={r} errno={errno.errorcode.get(ctypes.get_errno()) if r else None}")
    s.close()
