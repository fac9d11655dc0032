# A server no rule decides (review 7; NOT FIXED: this agent fails until it is). listen() is allowed plainly,
# and on a TCP socket that was never bound the kernel binds it itself, to the wildcard address and an
# ephemeral port (inet_autobind): the agent serves on 0.0.0.0:<port>, reachable from every interface, with
# no bind judged at either layer (CPython has no audit event for listen; the bind the built-in policy would
# judge — loopback-probe allows only a loopback port 0, raw-sockets reviews the rest — never happens) and
# no row logged; Landlock's TCP bind rule (port 0 allowed) does not see it either. accept(), recv() and
# send() on the accepted socket are allowed too: a two-way channel with any host on the network, without
# any connect. Reproduced by hand: a connection from outside the tree to 192.0.2.2:<port> got the agent's
# data and sent it a command; `irongate events` showed only the agent's file writes. Expected once fixed:
# listen() on an unbound inet socket is judged as a bind to the wildcard address (or refused).
# irongate: {"args": ["--profile", "trusted"], "exit": 0, "stdout": ["listen without bind: PermissionError"], "timeout": 60}
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.listen(1)
    host, port = s.getsockname()
    print(f"listen without bind: serving on {host}:{'ephemeral' if port else 0}", flush=True)
except OSError as e:
    print("listen without bind:", type(e).__name__, flush=True)
s.close()
