# --backstop kill and the sockaddr race of attack_frozen_unix_race.py: a thread keeps the address of raw
# connect calls on ok/s and, a swept moment after each call began, flips it to blocked/s and back. The first connect judged on the blocked socket
# kills the agent (exit 137); until then every allowed one is continued only once confirmed with the agent
# frozen, so no connection reaches the blocked socket (its peer would leave a logged open of bypass-marker
# behind before the kill).
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
stats = fr.Stats()
print("race started", flush=True)
with fr.Flipper(buf, fr.sockaddr(w + b"/ok/s"), fr.sockaddr(w + b"/blocked/s"), delays=fr.DELAYS):
    fr.connect_attempts(stats, buf, 3000, servers=(ok, blocked))
stats.report("buffer")
ctypes.memmove(buf, fr.sockaddr(w + b"/blocked/s"), fr.SUN_LEN)
fr.blocked_last(lambda: fr.connect_attempts(fr.Stats(), buf, 1))
