# A raw TCP socket.connect to the local server needs network.socket: blocked in `sandboxed` (and, being no HTTP request, not rescued by anything else); the agent gets PermissionError.
# irongate: {"exit": 0, "stdout": ["connect: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.socket", "rule": null, "action": {"type": "network", "subtype": "connect", "host": "127.0.0.1", "ip": "127.0.0.1", "target": "{HTTP}"}}
# no-event: {"decision": "allow", "action": {"type": "network", "subtype": "connect"}}
import os
import socket

host, port = os.environ["IRONGATE_TEST_HTTP"].rsplit(":", 1)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.connect((host, int(port)))
    s.sendall(b"GET /raw HTTP/1.0\r\n\r\n")
    print("connect: sent", s.recv(100))
except PermissionError as e:
    print("connect:", type(e).__name__)
finally:
    s.close()
