# --backstop kill and the symlink race of attack_frozen_unix_race.py: a child process keeps the symlink `l` on
# ok/ and, a swept moment after each call began, re-points it at blocked/ and back, under raw connects to l/s. The first connect judged on the
# blocked socket kills the agent (exit 137, the child with it); until then every allowed one is continued only
# once confirmed with the agent's whole tree stopped, so no connection reaches the blocked socket (its peer
# would leave a logged open of bypass-marker behind before the kill).
# irongate: {"args": ["--backstop", "kill", "--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 137, "timeout": 240, "stdout": ["race started"], "files": {"ok/.keep": "", "blocked/.keep": ""}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "blocked-sockets"}, "action": {"type": "network", "subtype": "connect", "path": "{WORK}/blocked/s"}}
# no-event: {"decision": "allow", "action": {"subtype": "re:^(connect|send)$", "path": "re:/work/blocked/"}}
# no-event: {"action": {"path": "{WORK}/bypass-marker"}}
import ctypes
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import frozen_race as fr  # noqa: E402

w = fr.WORK.encode()
ok, blocked = fr.listener(w + b"/ok/s"), fr.listener(w + b"/blocked/s")
buf = ctypes.create_string_buffer(fr.SUN_LEN)
ctypes.memmove(buf, fr.sockaddr(b"l/s"), fr.SUN_LEN)
stats = fr.Stats()
print("race started", flush=True)
with fr.Swapper("l", "ok", "blocked", delays=fr.SWAP_DELAYS):
    fr.connect_attempts(stats, buf, 1500, servers=(ok, blocked))
stats.report("symlink")
ctypes.memmove(buf, fr.sockaddr(w + b"/blocked/s"), fr.SUN_LEN)
fr.blocked_last(lambda: fr.connect_attempts(fr.Stats(), buf, 1))
