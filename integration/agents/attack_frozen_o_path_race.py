# An O_PATH open continues as the agent's own call (ADDFD cannot inject an O_PATH file), so the kernel walks
# its path again after the check. Two races on that walk: a thread rewrites the path buffer of raw
# openat(..., O_PATH) calls between ok/file.txt (allowed) and blocked/file.txt (blocked), and a child process
# re-points the symlink `l` between ok/ and blocked/ under raw and Python O_PATH opens of l/file.txt. An
# allowed one is continued only with the agent frozen, its path read again and reopened by the supervisor to
# the very file judged (real path, device, inode): no descriptor the agent gets reads back as the blocked
# file, and no reach of it is ever allowed.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 0, "timeout": 240, "stdout": ["buffer blocked reached: 0", "buffer allowed > 0: True", "buffer denied > 0: True", "symlink blocked reached: 0", "symlink allowed > 0: True", "symlink denied > 0: True"], "files": {"ok/file.txt": "ok", "blocked/file.txt": "SECRET"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "blocked-dir"}, "action": {"type": "file", "path": "{WORK}/blocked/file.txt"}}
# event: {"decision": "allow", "layer": "syscall", "unexplained": true, "action": {"type": "file", "subtype": "read", "path": "{WORK}/ok/file.txt"}}
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
with fr.Flipper(buf, b"ok/file.txt", b"blocked/file.txt"):
    fr.o_path_attempts(stats, buf, 800)
stats.report("buffer")

stats = fr.Stats()
with fr.Swapper("l", "ok", "blocked"):
    fr.o_path_attempts(stats, b"l/file.txt", 800, raw_every=2)
stats.report("symlink")
