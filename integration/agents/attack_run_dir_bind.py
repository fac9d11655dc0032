# The run directory is IronGate's own state: no call of the agent's may add a name to it, a Unix socket's file included. Under a policy that lets Unix sockets be bound anywhere under /tmp (where the run directory is), a bind of a socket inside the run directory, through Python and through a raw libc bind, is blocked with irongate_state; a bind in the agent's own directory is allowed.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/frozen-race.json"], "exit": 0, "stdout": ["run dir found: True", "python bind: PermissionError", "raw bind: EACCES", "own bind: ok", "run dir entries: ['bin', 'sock']"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "network", "subtype": "bind", "path": "re:/irongate-[0-9]+-[0-9a-f]{8}/evil$"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "network", "subtype": "bind", "path": "re:/irongate-[0-9]+-[0-9a-f]{8}/raw$"}}
# no-event: {"decision": "allow", "action": {"subtype": "bind", "path": "re:/irongate-[0-9]+-[0-9a-f]{8}/"}}
import ctypes
import errno
import os
import socket
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import frozen_race as fr  # noqa: E402

sock = fr.ipc_socket()
print("run dir found:", sock is not None)
run_dir = os.path.dirname(sock.decode())

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.bind(os.path.join(run_dir, "evil"))
    print("python bind: done")
except PermissionError:
    print("python bind: PermissionError")
s.close()

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
addr = fr.sockaddr(os.path.join(run_dir, "raw").encode())
rc = fr.libc.bind(s.fileno(), addr, fr.SUN_LEN)
print("raw bind:", "done" if rc == 0 else errno.errorcode.get(ctypes.get_errno(), "?"))
s.close()

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(os.path.join(fr.WORK, "own.sock"))
print("own bind: ok")
s.close()
print("run dir entries:", sorted(os.listdir(run_dir)))
