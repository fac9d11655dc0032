"""The O_PATH race against a freeze, raced by a child whose own POSIX timer sends it SIGCONT.

Shared by attack_frozen_sigcont_timer (the child can be traced) and
attack_frozen_sigcont_timer_nondumpable (it cannot: the SIGSTOP fallback).
"""
import ctypes
import mmap
import os
import signal
import sys

import frozen_race as fr

libc = fr.libc
CLOCK_MONOTONIC, SIGEV_SIGNAL = 1, 0
PR_SET_DUMPABLE = 4


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


def run(period_ns, attempts, nondumpable):
    """Races `attempts` raw O_PATH opens against the child; prints the outcome lines."""
    shared = mmap.mmap(-1, 4096, flags=mmap.MAP_SHARED)
    buf = (ctypes.c_char * 64).from_buffer(shared)
    ok = ctypes.create_string_buffer(b"ok/file.txt", 64)
    blocked = ctypes.create_string_buffer(b"blocked/file.txt", 64)
    ctypes.memmove(buf, ok, 64)
    hits = ctypes.c_long.from_buffer(shared, 2048)

    stop_r, stop_w = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(stop_w)
        os.close(ready_r)
        os.set_blocking(stop_r, False)

        # A handler: a timer signal whose action is the default (ignore, for
        # SIGCONT) is dropped unqueued, and would not continue the process.
        def on_cont(*_):
            hits.value += 1

        signal.signal(signal.SIGCONT, on_cont)
        if nondumpable:
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # no tracing without CAP_SYS_PTRACE
        os.write(ready_w, b"1" if arm_sigcont(period_ns) else b"0")
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
    fr.o_path_attempts(stats, buf, attempts)
    os.close(stop_w)
    os.waitpid(pid, 0)
    stats.report("sigcont")
    print("timer signals handled:", hits.value, file=sys.stderr)
