# A process stopped by a freeze must stay stopped until the continued call is over, whatever the agent arranged beforehand: the path of raw O_PATH opens lies in a MAP_SHARED mapping that a child process rewrites (plain stores, no syscall to hold back) between ok/file.txt (allowed) and blocked/file.txt (blocked), and the child has armed a POSIX timer (timer_create, SIGEV_SIGNAL, with a SIGCONT handler so the signal is queued) that sends it SIGCONT every few hundred microseconds: a stop by SIGSTOP would not hold, the kernel itself would continue the child between the confirmation and the kernel's own read of the path. No descriptor the agent gets reads back as the blocked file, and no reach of it is ever allowed. (A regression guard: on main, whose tree freeze used SIGSTOP, the race was not won in 20000 attempts either, although such a timer does continue a SIGSTOPped child under irongate.)
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 0, "timeout": 240, "stdout": ["timer armed: True", "sigcont blocked reached: 0", "sigcont allowed > 0: True"], "files": {"ok/file.txt": "ok", "blocked/file.txt": "SECRET"}}
# event: {"decision": "allow", "layer": "syscall", "unexplained": true, "action": {"type": "file", "subtype": "read", "path": "{WORK}/ok/file.txt"}}
# no-event: {"decision": "allow", "action": {"path": "{WORK}/blocked/file.txt"}}
# no-event: {"action": {"path": "{WORK}/bypass-marker"}}
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import sigcont_race  # noqa: E402

sigcont_race.run(period_ns=300_000, attempts=1500, nondumpable=False)
