# decode_sockaddr renders a Unix address whose sun_path does not start with NUL as its path, and an
# abstract one as "@" + name; everything after (net_action, autobind_address) then takes any name that
# starts with "@" for abstract. A relative path "@x" is a file, though: connect("@x") where "@x" is a
# symlink to a socket below work/blocked/ is judged as a connect to the abstract name "@x" (allowed
# here), and the kernel (or the supervisor performing it) follows the symlink into the blocked directory.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race-abstract.json"], "exit": 0, "timeout": 60, "stdout": ["direct connect: PermissionError", "connect via @-named symlink: PermissionError"], "files": {"ok/.keep": "", "blocked/.keep": ""}}
import os, socket, ctypes, struct

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
for p in ("blocked/sock", "@x"):
    try:
        os.unlink(p)
    except OSError:
        pass
srv.bind("blocked/sock")
srv.listen(1)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    c.connect("blocked/sock")
    print("direct connect: connected", flush=True)
except OSError as e:
    print("direct connect:", type(e).__name__, flush=True)
os.symlink("blocked/sock", "@x")
# A raw connect(2), past the hook layer.
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
addr = struct.pack("H", socket.AF_UNIX) + b"@x\0"
buf = ctypes.create_string_buffer(addr, len(addr))
if libc.syscall(42, c.fileno(), buf, len(addr)) == 0:
    print("connect via @-named symlink: connected to", repr(c.getpeername()), flush=True)
else:
    e = ctypes.get_errno()
    print("connect via @-named symlink:", "PermissionError" if e in (1, 13) else os.strerror(e), flush=True)
