# posix.open (os.open without the bootstrap's wrapper) with a dir_fd on /etc: the hook layer only sees
# "shadow" relative to the cwd, but the kernel layer resolves the openat against the agent's real
# directory fd (/proc/<pid>/fd/<n>), reaches /etc/shadow, and refuses it, unexplained.
# irongate: {"exit": 0, "stdout": ["posix.open(shadow, dir_fd=/etc): PermissionError"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import os
import posix

d = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
try:
    fd = posix.open("shadow", os.O_RDONLY, dir_fd=d)
    print("posix.open(shadow, dir_fd=/etc): opened", os.read(fd, 16))
except PermissionError:
    print("posix.open(shadow, dir_fd=/etc): PermissionError")
