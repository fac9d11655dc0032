# The raw seccomp notification round trip: bind() of an AF_NETLINK socket is
# trapped by the filter (bind is) and let through by the supervisor at once
# (netlink: no policy work, no log row). Called through ctypes so that no
# audit event (socket.bind) reaches the hook layer. The socket is autobound
# first, then re-bound to its own port id, which the kernel accepts as a no-op.
# Prints µs per call.
import ctypes
import os
import struct
import time

AF_NETLINK, SOCK_RAW, SOCK_CLOEXEC, NETLINK_ROUTE = 16, 3, 0o2000000, 0
n = int(os.environ["BENCH_N"])
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)
if fd < 0:
    raise OSError(ctypes.get_errno(), "socket(AF_NETLINK)")
addr = ctypes.create_string_buffer(struct.pack("=HHII", AF_NETLINK, 0, 0, 0), 12)
if libc.bind(fd, addr, 12) != 0:
    raise OSError(ctypes.get_errno(), "bind(AF_NETLINK)")
size = ctypes.c_uint32(12)
if libc.getsockname(fd, addr, ctypes.byref(size)) != 0:
    raise OSError(ctypes.get_errno(), "getsockname")
bind = libc.bind
for _ in range(1000):
    if bind(fd, addr, 12) != 0:
        raise OSError(ctypes.get_errno(), "bind(AF_NETLINK, own port id)")
t0 = time.perf_counter()
for _ in range(n):
    bind(fd, addr, 12)
dt = time.perf_counter() - t0
if bind(fd, addr, 12) != 0:
    raise OSError(ctypes.get_errno(), "bind(AF_NETLINK, own port id)")
print("BENCH_RESULT", dt / n * 1e6)
