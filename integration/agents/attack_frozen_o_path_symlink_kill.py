# --backstop kill and the O_PATH symlink race of attack_frozen_o_path_race.py: a child process keeps the
# symlink `l` on ok/ and, a swept moment after each call began, re-points it at blocked/ and back, under raw openat("l/file.txt", O_PATH) calls.
# The first open judged on the blocked file kills the agent (exit 137, the child with it); until then every
# allowed one is continued only once confirmed with the agent's whole tree stopped, so none hands out a
# descriptor on the blocked file (which would leave a logged open of bypass-marker behind before the kill).
# irongate: {"args": ["--backstop", "kill", "--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 137, "timeout": 240, "stdout": ["race started"], "files": {"ok/file.txt": "ok", "blocked/file.txt": "SECRET"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "blocked-dir"}, "action": {"type": "file", "path": "{WORK}/blocked/file.txt"}}
# no-event: {"decision": "allow", "action": {"path": "{WORK}/blocked/file.txt"}}
# no-event: {"action": {"path": "{WORK}/bypass-marker"}}
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import frozen_race as fr  # noqa: E402

stats = fr.Stats()
print("race started", flush=True)
with fr.Swapper("l", "ok", "blocked", delays=fr.SWAP_DELAYS):
    fr.o_path_attempts(stats, b"l/file.txt", 1500)
stats.report("symlink")
fr.blocked_last(lambda: fr.o_path_open(b"blocked/file.txt", raw=True))
