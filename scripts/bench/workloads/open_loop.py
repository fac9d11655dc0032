# open(f).close() in a loop; prints µs per open. Parameters from the
# environment (the original IronGate's launcher passes no script arguments).
import os
import time

path = os.environ["BENCH_FILE"]
n = int(os.environ["BENCH_N"])
for _ in range(200):
    open(path).close()
t0 = time.perf_counter()
for _ in range(n):
    open(path).close()
dt = time.perf_counter() - t0
print("BENCH_RESULT", dt / n * 1e6)
