# A client IronGate knows nothing of is judged by the host it looked up (R-45, issue 10): a raw socket that
# resolves "localhost" and connects to the address found is a connect to host "localhost" (a host rule allows
# it, one decision, the address recorded as `ip`); a connect to an address no lookup produced (127.0.0.2) keeps
# the address as its host and no host rule allows it.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/hosts.json"], "exit": 0, "stdout": ["by name: ok ", "by address: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "local-service"}, "action": {"type": "network", "subtype": "connect", "host": "localhost", "ip": "127.0.0.1"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "default_deny", "action": {"type": "network", "subtype": "connect", "host": "127.0.0.2"}}
# no-event: {"layer": "syscall", "action": {"type": "network", "subtype": "connect", "ip": "127.0.0.1"}}
import os
import socket

port = int(os.environ["IRONGATE_TEST_HTTP"].rsplit(":", 1)[1])
s = socket.create_connection(("localhost", port), timeout=5)
s.sendall(b"GET /raw HTTP/1.0\r\nHost: localhost\r\n\r\n")
print("by name:", s.recv(4096).split(b"\r\n\r\n", 1)[-1].decode()[:3])
s.close()
try:
    socket.create_connection(("127.0.0.2", port), timeout=5)
except PermissionError as e:
    print("by address:", type(e).__name__)
