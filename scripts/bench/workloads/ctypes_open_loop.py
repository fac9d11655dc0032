# libc open()+close() through ctypes: no audit event, so the hook layer does
# not explain it and the open is decided at the syscall layer alone.
# Prints µs per open+close.
import ctypes
import os
import time

path = os.environ["BENCH_FILE"].encode()
n = int(os.environ["BENCH_N"])
libc = ctypes.CDLL(None, use_errno=True)
c_open, c_close = libc.open, libc.close
flags = os.O_RDONLY | os.O_CLOEXEC
for _ in range(200):
    fd = c_open(path, flags)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "open")
    c_close(fd)
t0 = time.perf_counter()
for _ in range(n):
    c_close(c_open(path, flags))
dt = time.perf_counter() - t0
print("BENCH_RESULT", dt / n * 1e6)
