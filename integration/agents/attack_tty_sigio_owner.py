# SIGIO to the supervisor through a shared terminal's fasync owner (review 7). O_ASYNC (fcntl F_SETFL, allowed)
# or FIOASYNC on a terminal descriptor makes the kernel choose the owner by itself: the terminal's foreground
# process group, which is the supervisor's (and, under --isolate, no longer the agent's). No F_SETOWN is made,
# so the filter's signal-route check never sees it. The agent then floods the terminal with non-blocking
# output until EAGAIN: when the terminal drains it, the kernel sends SIGIO (default action: terminate) to that
# group, with no key pressed. Landlock's signal scope (ABI 6, Linux 6.12+) stops it; on an older kernel (or
# with landlock_create_ruleset refused) the supervisor died by signal 29 and the agent with it (PDEATHSIG).
# The supervisor now ignores SIGIO. Only meaningful on a terminal: run it by hand with
#   python3 integration/agents/lib/pty_run.py [--no-landlock] irongate run --profile trusted THIS_FILE
# (expected: "supervisor alive: True", irongate exit 0). The test runner gives it no terminal.
# irongate: {"args": ["--profile", "trusted"], "exit": 0, "stdout": ["terminal: False"], "timeout": 60}
import fcntl
import os
import signal
import time

print("terminal:", os.isatty(0), flush=True)
if os.isatty(0):
    sup = os.getppid()
    got = []
    signal.signal(signal.SIGIO, lambda *a: got.append(1))
    flags = fcntl.fcntl(0, fcntl.F_GETFL)
    fcntl.fcntl(0, fcntl.F_SETFL, flags | os.O_ASYNC | os.O_NONBLOCK)
    for _ in range(40):
        try:
            os.write(1, b"." * 8192)
        except BlockingIOError:
            time.sleep(0.2)
        if got:
            break
    time.sleep(1)
    fcntl.fcntl(0, fcntl.F_SETFL, flags)
    print("\nSIGIO seen by the agent:", bool(got), flush=True)
    print("supervisor alive:", os.getppid() == sup, flush=True)
