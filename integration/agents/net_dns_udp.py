# DNS lookups are allowed in `sandboxed` (network.dns, rule dns): socket.getaddrinfo("localhost") returns addresses and logs one allowed dns decision; a UDP sendto needs network.socket and is blocked.
# irongate: {"exit": 0, "stdout": ["getaddrinfo: True", "sendto: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "reason": "Name lookup", "rule": {"name": "dns"}, "action": {"type": "network", "subtype": "dns", "host": "localhost", "port": 80}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.socket", "action": {"type": "network", "subtype": "send", "host": "127.0.0.1", "port": 9, "target": "127.0.0.1:9"}}
# no-event: {"decision": "allow", "action": {"subtype": "send"}}
import socket

infos = socket.getaddrinfo("localhost", 80, proto=socket.IPPROTO_TCP)
print("getaddrinfo:", any(i[4][0] in ("127.0.0.1", "::1") for i in infos))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    u.sendto(b"leak", ("127.0.0.1", 9))
    print("sendto: sent")
except PermissionError as e:
    print("sendto:", type(e).__name__)
u.close()
