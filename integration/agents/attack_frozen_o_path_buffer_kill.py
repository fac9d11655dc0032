# --backstop kill and the O_PATH path-buffer race of attack_frozen_o_path_race.py: a thread keeps the path of
# raw openat(..., O_PATH) calls on ok/file.txt and, a swept moment after each call began, flips it to blocked/file.txt and back. The first open
# judged on the blocked file kills the agent (exit 137); until then every allowed one is continued only once
# confirmed with the agent frozen, so none hands out a descriptor on the blocked file (which would leave a
# logged open of bypass-marker behind before the kill).
# irongate: {"args": ["--backstop", "kill", "--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 137, "timeout": 240, "stdout": ["race started"], "files": {"ok/file.txt": "ok", "blocked/file.txt": "SECRET"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "blocked-dir"}, "action": {"type": "file", "path": "{WORK}/blocked/file.txt"}}
# no-event: {"decision": "allow", "action": {"path": "{WORK}/blocked/file.txt"}}
# no-event: {"action": {"path": "{WORK}/bypass-marker"}}
import ctypes
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import frozen_race as fr  # noqa: E402

buf = ctypes.create_string_buffer(64)
stats = fr.Stats()
print("race started", flush=True)
with fr.Flipper(buf, b"ok/file.txt", b"blocked/file.txt", delays=fr.DELAYS):
    fr.o_path_attempts(stats, buf, 3000)
stats.report("buffer")
fr.blocked_last(lambda: fr.o_path_open(b"blocked/file.txt", raw=True))
