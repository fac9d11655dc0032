# Review 11: the tree freeze's SIGSTOP fallback against the agent's own SIGCONT timer. A child that made itself non-dumpable (PR_SET_DUMPABLE 0) cannot be traced by a supervisor without CAP_SYS_PTRACE, so tree_stop::freeze stops it by SIGSTOP, and a POSIX timer of its own (SIGEV_SIGNAL SIGCONT, handled so it is queued, every 40 us) continues it while it keeps rewriting the O_PATH path in a MAP_SHARED page between ok/file.txt and blocked/file.txt. No descriptor the agent gets may read back as the blocked file. (A guard: not won on 6.18 in review 11; the timer's signals are mostly flushed by the freeze's own SIGSTOP, a few hundred handled per run.)
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 0, "drop_caps": ["sys_ptrace"], "timeout": 240, "stdout": ["timer armed: True", "sigcont blocked reached: 0", "sigcont allowed > 0: True"], "files": {"ok/file.txt": "ok", "blocked/file.txt": "SECRET"}}
# event: {"decision": "allow", "layer": "syscall", "unexplained": true, "action": {"type": "file", "subtype": "read", "path": "{WORK}/ok/file.txt"}}
# no-event: {"decision": "allow", "action": {"path": "{WORK}/blocked/file.txt"}}
# no-event: {"action": {"path": "{WORK}/bypass-marker"}}
import ctypes
import mmap
import os
import signal
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import frozen_race as fr  # noqa: E402

libc = fr.libc
CLOCK_MONOTONIC, SIGEV_SIGNAL = 1, 0
PERIOD_NS = 40_000


class SigEvent(ctypes.Structure):
    _fields_ = [("value", ctypes.c_void_p), ("signo", ctypes.c_int), ("notify", ctypes.c_int), ("pad", ctypes.c_int * 12)]


class TimeSpec(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]


class ITimerSpec(ctypes.Structure):
    _fields_ = [("interval", TimeSpec), ("value", TimeSpec)]


def arm_sigcont(period_ns):
    """A timer of the calling process that sends it SIGCONT every period."""
    ev = SigEvent(None, signal.SIGCONT, SIGEV_SIGNAL)
    timer = ctypes.c_void_p()
    if libc.timer_create(CLOCK_MONOTONIC, ctypes.byref(ev), ctypes.byref(timer)) != 0:
        return False
    spec = ITimerSpec(TimeSpec(0, period_ns), TimeSpec(0, period_ns))
    return libc.timer_settime(timer, 0, ctypes.byref(spec), None) == 0


shared = mmap.mmap(-1, 4096, flags=mmap.MAP_SHARED)
buf = (ctypes.c_char * 64).from_buffer(shared)
ok = ctypes.create_string_buffer(b"ok/file.txt", 64)
blocked = ctypes.create_string_buffer(b"blocked/file.txt", 64)
ctypes.memmove(buf, ok, 64)

stop_r, stop_w = os.pipe()
ready_r, ready_w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(stop_w)
    os.close(ready_r)
    os.set_blocking(stop_r, False)
    # A handler: a timer signal whose action is the default (ignore, for
    # SIGCONT) is dropped unqueued, and would not continue the process.
    hits = ctypes.c_long.from_buffer(shared, 2048)

    def on_cont(*_):
        hits.value += 1

    signal.signal(signal.SIGCONT, on_cont)
    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: no tracing without CAP_SYS_PTRACE
    os.write(ready_w, b"1" if arm_sigcont(PERIOD_NS) else b"0")
    while True:
        for _ in range(2000):
            ctypes.memmove(buf, blocked, 64)
            ctypes.memmove(buf, ok, 64)
        try:
            if os.read(stop_r, 1) == b"":
                break
        except BlockingIOError:
            pass
    os._exit(0)
os.close(stop_r)
os.close(ready_w)
print("timer armed:", os.read(ready_r, 1) == b"1", flush=True)

stats = fr.Stats()
fr.o_path_attempts(stats, buf, 1500)
os.close(stop_w)
os.waitpid(pid, 0)
stats.report("sigcont")
print("timer signals handled:", ctypes.c_long.from_buffer(shared, 2048).value, file=sys.stderr)
