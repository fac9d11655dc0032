# A process stopped by a freeze must stay stopped until the continued call is over, whatever the agent arranged beforehand: the path of raw O_PATH opens lies in a MAP_SHARED mapping that a child process rewrites (plain stores, no syscall to hold back) between ok/file.txt (allowed) and blocked/file.txt (blocked), and the child has armed a POSIX timer (timer_create, SIGEV_SIGNAL, with a SIGCONT handler so the signal is queued) that sends it SIGCONT every few hundred microseconds: a stop by SIGSTOP would not hold, the kernel itself would continue the child between the confirmation and the kernel's own read of the path. No descriptor the agent gets reads back as the blocked file, and no reach of it is ever allowed. (A regression guard: on main, whose tree freeze used SIGSTOP, the race was not won in 20000 attempts either, although such a timer does continue a SIGSTOPped child under irongate.)
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 0, "timeout": 240, "stdout": ["timer armed: True", "sigcont blocked reached: 0", "sigcont allowed > 0: True"], "files": {"ok/file.txt": "ok", "blocked/file.txt": "SECRET"}}
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
PERIOD_NS = 300_000


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
    signal.signal(signal.SIGCONT, lambda *_: None)
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
