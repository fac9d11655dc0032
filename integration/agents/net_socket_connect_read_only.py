# `read_only` grants network.http, not network.socket: a raw socket.connect (and connect_ex) to the HTTP server's port is still blocked with missing_capability:network.socket.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["connect: PermissionError", "connect_ex: PermissionError"]}
# event: {"count": 2, "layer": "hook", "decision": "block", "reason": "missing_capability:network.socket", "action": {"type": "network", "subtype": "connect", "target": "{HTTP}"}}
# no-event: {"decision": "allow", "action": {"type": "network"}}
import os
import socket

host, port = os.environ["IRONGATE_TEST_HTTP"].rsplit(":", 1)
for label in ("connect", "connect_ex"):
    with socket.socket() as s:
        try:
            rc = getattr(s, label)((host, int(port)))
            print(label + ": connected", rc)
        except PermissionError as e:
            print(label + ":", type(e).__name__)
