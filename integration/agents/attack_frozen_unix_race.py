# A connect or send to a Unix socket continues as the agent's own call (done by the supervisor the peer would
# see the supervisor's SO_PEERCRED), so the kernel reads the address and walks its path again after the check
# . Four races, under a policy that allows the sockets below ok/ and blocks those below blocked/: a
# thread rewrites the sockaddr of raw connect calls between ok/s and blocked/s; a child process re-points the
# symlink `l` between ok/ and blocked/ under raw connects to l/s; a thread rewrites the sockaddr of raw
# sendto calls between the datagram sockets ok/d and blocked/d; and a thread rewrites it between this run's
# own IPC socket (the hook's connection, allowed before any rule) and blocked/q. An allowed call is continued
# only with the agent frozen and its address and socket file confirmed: the blocked servers accept nothing
# and receive nothing, and no connection's peer is a blocked socket.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 0, "timeout": 240, "stdout": ["ipc socket found: True", "buffer blocked reached: 0", "buffer allowed > 0: True", "buffer denied > 0: True", "symlink blocked reached: 0", "symlink allowed > 0: True", "symlink denied > 0: True", "sendto blocked reached: 0", "sendto allowed > 0: True", "sendto denied > 0: True", "ipc blocked reached: 0", "ipc allowed > 0: True", "ipc denied > 0: True", "blocked accepted: 0"], "files": {"ok/.keep": "", "blocked/.keep": ""}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "blocked-sockets"}, "action": {"type": "network", "subtype": "connect", "path": "{WORK}/blocked/s"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "blocked-sockets"}, "action": {"type": "network", "subtype": "send", "path": "{WORK}/blocked/d"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "blocked-sockets"}, "action": {"type": "network", "subtype": "connect", "path": "{WORK}/blocked/q"}}
# event: {"decision": "allow", "layer": "syscall", "unexplained": true, "rule": {"name": "ok-sockets"}, "action": {"type": "network", "subtype": "connect", "path": "{WORK}/ok/s"}}
# no-event: {"decision": "allow", "action": {"subtype": "re:^(connect|send)$", "path": "re:/work/blocked/"}}
# no-event: {"action": {"path": "{WORK}/bypass-marker"}}
import ctypes
import os
import socket
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import frozen_race as fr  # noqa: E402

w = fr.WORK.encode()
ok, blocked = fr.listener(w + b"/ok/s"), fr.listener(w + b"/blocked/s")
buf = ctypes.create_string_buffer(fr.SUN_LEN)
accepted = 0

stats = fr.Stats()
with fr.Flipper(buf, fr.sockaddr(w + b"/ok/s"), fr.sockaddr(w + b"/blocked/s")):
    fr.connect_attempts(stats, buf, 600, servers=(ok,))
accepted += fr.drain(blocked)
stats.report("buffer")

stats = fr.Stats()
ctypes.memmove(buf, fr.sockaddr(b"l/s"), fr.SUN_LEN)
with fr.Swapper("l", "ok", "blocked"):
    fr.connect_attempts(stats, buf, 600, servers=(ok,))
accepted += fr.drain(blocked)
stats.report("symlink")

stats = fr.Stats()
dok, dblocked = fr.listener(w + b"/ok/d", socket.SOCK_DGRAM), fr.listener(w + b"/blocked/d", socket.SOCK_DGRAM)
with fr.Flipper(buf, fr.sockaddr(w + b"/ok/d"), fr.sockaddr(w + b"/blocked/d")):
    fr.sendto_attempts(stats, buf, 600, dok, dblocked)
stats.report("sendto")

ipc = fr.ipc_socket()
print("ipc socket found:", ipc is not None, flush=True)
stats = fr.Stats()
q = fr.listener(w + b"/blocked/q", socket.SOCK_SEQPACKET)
with fr.Flipper(buf, fr.sockaddr(ipc), fr.sockaddr(w + b"/blocked/q")):
    fr.connect_attempts(stats, buf, 300, kind=socket.SOCK_SEQPACKET)
accepted += fr.drain(q)
stats.report("ipc")
print("blocked accepted:", accepted)
