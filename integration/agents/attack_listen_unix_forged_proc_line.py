# Without pidfd_getfd (containers), listen() reads whether the socket is bound from the caller's
# /proc/PID/net/unix, by the socket's inode: the first line whose 7th field is that inode. A Unix socket's
# name is printed there raw, newlines and spaces included. The agent binds (allowed: below /tmp/) a socket
# file whose name holds "\n0 0 0 0 0 0 <inode> x": a line of its own saying the socket at <inode> is bound
# to "/x", printed before the real line (pathname sockets hash into the table's lower half, abstract
# ones into the upper). The socket, autobound at a refused connect with SO_PASSCRED, then listens on its
# abstract name unjudged; an unbound TCP socket (in no table) is taken for bound the same way and listens on
# the wildcard address. This policy refuses abstract and inet binds. Docker-like mode only (with pidfd_getfd the
# name is read with getsockname).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 0, "timeout": 60, "stdout": ["abstract bind: PermissionError", "listen after forged line: PermissionError", "inet listen after forged line: PermissionError"], "files": {"ok/.keep": ""}}
import os, socket, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from unix_autobind import autobound_by_refused_connect, try_abstract_bind

try_abstract_bind(b"\0irongate-review9")
s = autobound_by_refused_connect("ok/dead")
inode = os.fstat(s.fileno()).st_ino

decoys = []
for i in range(8):
    name = "ok/d%d\n0 0 0 0 0 0 %d x" % (i, inode)
    try:
        os.unlink(name)
    except OSError:
        pass
    d = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        d.bind(name)
        decoys.append(d)
    except OSError as e:
        print("decoy bind:", type(e).__name__, flush=True)
if os.environ.get("SHOW"):
    for line in open("/proc/self/net/unix"):
        if str(inode) in line:
            print("table:", repr(line), flush=True)
try:
    s.listen(8)
    print("listen after forged line: serving on", repr(s.getsockname()), flush=True)
except OSError as e:
    print("listen after forged line:", type(e).__name__, flush=True)
if os.environ.get("HOLD"):
    with open("/tmp/review9-abstract-name", "wb") as f:
        f.write(s.getsockname())
    s.settimeout(float(os.environ["HOLD"]))
    try:
        c, _ = s.accept()
        print("accepted a connection from outside the tree:", c.recv(100), flush=True)
    except OSError as e:
        print("accept:", type(e).__name__, flush=True)

# The same for a TCP socket never bound: listen() binds it to 0.0.0.0 and a free port.
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tino = os.fstat(t.fileno()).st_ino
for i in range(8, 12):
    try:
        d = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        d.bind("ok/d%d\n0 0 0 0 0 0 %d x" % (i, tino))
        decoys.append(d)
    except OSError as e:
        print("decoy bind:", type(e).__name__, flush=True)
try:
    t.listen(8)
    print("inet listen after forged line: serving on", t.getsockname(), flush=True)
except OSError as e:
    print("inet listen after forged line:", type(e).__name__, flush=True)
