# /proc/net and /proc/mounts are the kernel's links into /proc/self: for the agent they name its own
# entries, not the supervisor's (which the supervisor performs the open in). Both layers read them as
# the caller's: the Python opens and the raw ctypes opens all work; the Python ones are logged with
# the agent's pid in the path (the raw ones are the C library's own reads of its process: counted);
# the supervisor's own /proc/<pid>/mounts stays refused.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/allow-processes.json"], "exit": 0, "stdout": ["/proc/net/unix ok", "/proc/mounts ok", "raw /proc/net/unix ok", "raw /proc/mounts ok", "supervisor mounts PermissionError"]}
# event: {"decision": "allow", "layer": "hook", "action": {"path": "re:^/proc/[0-9]+/net/unix$", "proc_owner": "self", "requested": "/proc/net/unix"}}
# event: {"decision": "allow", "layer": "hook", "action": {"path": "re:^/proc/[0-9]+/mounts$", "proc_owner": "self", "requested": "/proc/mounts"}}
# no-event: {"decision": "block", "action": {"requested": "/proc/net/unix"}}
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_openat, AT_FDCWD = 257, -100

for p in ["/proc/net/unix", "/proc/mounts"]:
    with open(p) as f:
        print(p, "ok" if f.read() else "empty", flush=True)

for p in [b"/proc/net/unix", b"/proc/mounts"]:
    fd = libc.syscall(SYS_openat, AT_FDCWD, p, os.O_RDONLY, 0)
    if fd < 0:
        print("raw", p.decode(), "errno", ctypes.get_errno(), flush=True)
        continue
    data = os.read(fd, 4096)
    os.close(fd)
    print("raw", p.decode(), "ok" if data else "empty", flush=True)

try:
    open(f"/proc/{os.getppid()}/mounts").read()
    print("supervisor mounts read", flush=True)
except PermissionError as e:
    print("supervisor mounts", type(e).__name__, flush=True)
