# Other ways a Unix socket gets a name with no judged bind, then listens: a SEQPACKET socket autobound at a
# refused connect with SO_PASSCRED, and an explicit bind() of a bare AF_UNIX family (addrlen 2: the
# kernel's autobind), done with a raw syscall. Each is refused (this policy refuses abstract binds).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 0, "timeout": 60, "stdout": ["seqpacket listen: PermissionError", "bare-family bind: PermissionError"], "files": {"ok/.keep": ""}}
import ctypes, os, socket, struct, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from unix_autobind import autobound_by_refused_connect

s = autobound_by_refused_connect("ok/deadsp", socket.SOCK_SEQPACKET)
try:
    s.listen(4)
    print("seqpacket listen: serving on", repr(s.getsockname()), flush=True)
except OSError as e:
    print("seqpacket listen:", type(e).__name__, flush=True)

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
fam = ctypes.create_string_buffer(struct.pack("H", socket.AF_UNIX), 2)
rc = libc.syscall(49, u.fileno(), fam, 2)
if rc == 0:
    print("bare-family bind: bound to", repr(u.getsockname()), flush=True)
else:
    print("bare-family bind:", "PermissionError" if ctypes.get_errno() in (1, 13) else os.strerror(ctypes.get_errno()), flush=True)
