# Benign (review 5): a multi-threaded Python process whose exec fails. subprocess.run of a file
# without x permission, of a script without "#!" (ENOEXEC), of a directory, and a working echo,
# each timed; then (mode "direct") os.execv of the ENOEXEC file in the process itself, followed by
# CPU work without syscalls: how far a second thread got meanwhile (was it kept stopped?).
# Measured in review 5: every subprocess.run 2-7 ms. Mode "direct 2": the ticker advanced 0 times during 2 s of
# compute after the failed execv (stopped until the caller blocks); "direct_idle 33": the agent was
# SIGKILLed at 30.1 s (exit 137).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/programs_and_tmp.json"], "exit": 0, "timeout": 60, "stdout": ["subprocess nox: OSError errno=13", "subprocess noexec: OSError errno=8", "done"]}
import os, subprocess, sys, threading, time
D = "/tmp/r5b"
os.makedirs(D, exist_ok=True)
with open(f"{D}/nox", "w") as f:
    f.write("echo hi\n")
os.chmod(f"{D}/nox", 0o644)
with open(f"{D}/noshebang", "w") as f:
    f.write("\x01\x02 not a program\n")
os.chmod(f"{D}/noshebang", 0o755)
ticks = [0]
stop = [False]
def ticker():
    while not stop[0]:
        ticks[0] += 1
        time.sleep(0.001)
t = threading.Thread(target=ticker, daemon=True)
t.start()
for name, argv in (("echo", ["/usr/bin/echo", "ok"]), ("nox", [f"{D}/nox"]),
                   ("noexec", [f"{D}/noshebang"]), ("dir", [D])):
    for i in range(2):
        t0 = time.monotonic()
        try:
            r = subprocess.run(argv, capture_output=True)
            res = f"rc={r.returncode}"
        except OSError as e:
            res = f"OSError errno={e.errno}"
        print(f"subprocess {name}: {res} {time.monotonic() - t0:.3f}s", flush=True)
mode = sys.argv[1] if len(sys.argv) > 1 else "run"
if mode.startswith("direct"):
    secs = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    if mode == "direct_idle":
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    t0 = time.monotonic()
    try:
        os.execv(f"{D}/noshebang", ["noshebang"])
    except OSError as e:
        print(f"execv failed errno={e.errno} after {time.monotonic() - t0:.3f}s", flush=True)
    before = ticks[0]
    t1 = time.monotonic()
    x = 0
    while time.monotonic() - t1 < secs:
        x += 1
    during = ticks[0] - before
    time.sleep(0.2)
    print(f"compute {secs}s: ticker advanced {during} during, {ticks[0] - before - during} in 0.2s after", flush=True)
    print(f"ticker_kept_running={during > 0}")
stop[0] = True
print("done")
