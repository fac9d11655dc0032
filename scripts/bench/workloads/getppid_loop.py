# An untrapped syscall: os.getppid() in a loop; prints ns per call.
import os
import time

n = int(os.environ["BENCH_N"])
getppid = os.getppid
for _ in range(10000):
    getppid()
t0 = time.perf_counter()
for _ in range(n):
    getppid()
dt = time.perf_counter() - t0
print("BENCH_RESULT", dt / n * 1e9)
