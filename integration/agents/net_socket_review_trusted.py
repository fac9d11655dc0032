# Under `trusted` the built-in policy reviews raw socket connections (rule raw-sockets): the connect is held, times out and is blocked; the held event records the review timeout.
# irongate: {"args": ["--profile", "trusted", "--review-timeout", "0.3"], "exit": 0, "stdout": ["connect: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "review", "reason": "Raw socket connections require approval", "rule": {"name": "raw-sockets"}, "review": {"timeout": true, "verdict": "block"}, "action": {"type": "network", "subtype": "connect", "target": "{HTTP}"}}
# event: {"count": 1, "layer": "review", "decision": "block", "action": {"type": "network", "subtype": "connect"}}
# no-event: {"decision": "allow", "action": {"type": "network", "subtype": "connect"}}
# no-event: {"layer": "syscall", "action": {"type": "network"}}
import os
import socket

host, port = os.environ["IRONGATE_TEST_HTTP"].rsplit(":", 1)
with socket.socket() as s:
    try:
        s.connect((host, int(port)))
        print("connect: connected")
    except PermissionError as e:
        print("connect:", type(e).__name__)
