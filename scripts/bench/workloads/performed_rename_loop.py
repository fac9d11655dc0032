# rename() through ctypes, back and forth: no audit event, so each call is
# judged at the syscall layer alone and then performed by the supervisor on
# the agent's behalf. Prints µs per rename.
import ctypes
import os
import tempfile
import time

n = int(os.environ["BENCH_N"])
libc = ctypes.CDLL(None, use_errno=True)
d = os.environ.get("BENCH_DIR") or tempfile.mkdtemp()
a, b = os.path.join(d, "a").encode(), os.path.join(d, "b").encode()
open(a, "wb").close()
rename = libc.rename
for _ in range(100):
    if rename(a, b) or rename(b, a):
        raise OSError(ctypes.get_errno(), "rename")
t0 = time.perf_counter()
for _ in range(n // 2):
    rename(a, b)
    rename(b, a)
dt = time.perf_counter() - t0
print("BENCH_RESULT", dt / (2 * (n // 2)) * 1e6)
