# A server no rule decides (review 7). listen() on a TCP socket that was never bound makes the kernel
# bind it itself, to the wildcard address and an ephemeral port (inet_autobind): the agent served on
# 0.0.0.0:<port>, reachable from every interface, with no bind judged at either layer (CPython has no
# audit event for listen) and no row logged; accept(), recv() and send() then made a two-way channel
# with any host without a connect. Reproduced by hand before the fix: a connection from outside the
# tree got the agent's data and sent it a command. Now listen is notified and an unbound socket's
# listen is judged as the bind the kernel would make (network/bind 0.0.0.0:0); this policy (loopback binds only) blocks it.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["listen without bind: PermissionError", "bound listen: ok"], "timeout": 60}
# event: {"decision": "block", "layer": "syscall", "action": {"type": "network", "subtype": "bind", "host": "0.0.0.0", "port": 0}}
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.listen(1)
    host, port = s.getsockname()
    print(f"listen without bind: serving on {host}:{'ephemeral' if port else 0}", flush=True)
except OSError as e:
    print("listen without bind:", type(e).__name__, flush=True)
s.close()

# A socket bound first (its bind judged at its own call: loopback binds are allowed here) listens as
# usual.
b = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
b.bind(("127.0.0.1", 0))
b.listen(1)
print("bound listen:", "ok" if b.getsockname()[1] else "no port", flush=True)
b.close()
