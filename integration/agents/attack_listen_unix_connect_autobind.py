# A Unix socket that listen() would bind itself is judged as the bind of "@" (an abstract autobind); one
# already bound is not judged at all. But the kernel also autobinds a Unix socket at connect() when it has
# SO_PASSCRED (unix_stream_connect: unix_autobind before the peer is even looked up), and a connect that
# then fails (a socket file nobody listens on: ECONNREFUSED) leaves it bound and unconnected. Its listen() is then not judged: the agent
# serves on an abstract name ("\0" + 5 hex digits) that every process of the network namespace can reach,
# while this policy allows binds below /tmp/ only (an explicit abstract bind is refused). Both modes
# (with and without pidfd_getfd).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 0, "timeout": 60, "stdout": ["abstract bind: PermissionError", "listen after connect-autobind: PermissionError"], "files": {"ok/.keep": ""}}
import os, socket, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from unix_autobind import autobound_by_refused_connect, try_abstract_bind

try_abstract_bind(b"\0irongate-review8")
s = autobound_by_refused_connect("ok/dead")
try:
    s.listen(8)
    name = s.getsockname()
    print("listen after connect-autobind: serving on", repr(name), flush=True)
    if os.environ.get("HOLD"):
        with open("/tmp/review8-abstract-name", "wb") as f:
            f.write(name)
        s.settimeout(float(os.environ["HOLD"]))
        c, _ = s.accept()
        print("accepted a connection from outside the tree:", c.recv(100), flush=True)
except OSError as e:
    print("listen after connect-autobind:", type(e).__name__, flush=True)
