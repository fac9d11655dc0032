# Review 11: the tree freeze's SIGSTOP fallback against the agent's own SIGCONT timer. A child that made itself non-dumpable (PR_SET_DUMPABLE 0) cannot be traced by a supervisor without CAP_SYS_PTRACE, so tree_stop::freeze stops it by SIGSTOP, and a POSIX timer of its own (SIGEV_SIGNAL SIGCONT, handled so it is queued, every 40 us) continues it while it keeps rewriting the O_PATH path in a MAP_SHARED page between ok/file.txt and blocked/file.txt. No descriptor the agent gets may read back as the blocked file. (A guard: not won on 6.18 in review 11; the timer's signals are mostly flushed by the freeze's own SIGSTOP, a few hundred handled per run.)
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 0, "drop_caps": ["sys_ptrace"], "timeout": 240, "stdout": ["timer armed: True", "sigcont blocked reached: 0", "sigcont allowed > 0: True"], "files": {"ok/file.txt": "ok", "blocked/file.txt": "SECRET"}}
# event: {"decision": "allow", "layer": "syscall", "unexplained": true, "action": {"type": "file", "subtype": "read", "path": "{WORK}/ok/file.txt"}}
# no-event: {"decision": "allow", "action": {"path": "{WORK}/blocked/file.txt"}}
# no-event: {"action": {"path": "{WORK}/bypass-marker"}}
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import sigcont_race  # noqa: E402

sigcont_race.run(period_ns=40_000, attempts=1500, nondumpable=True)
