# os.open with a dir_fd on /etc: the `open` audit event carries no dir_fd (audit-hooks.md 2.9); the
# bootstrap's os.open wrapper supplies it, so the hook layer judges /etc/shadow and blocks it
# (system-secrets); the kernel layer never sees an allowed intent for it.
# irongate: {"exit": 0, "stdout": ["os.open(shadow, dir_fd=/etc): PermissionError"]}
# event: {"count": 1, "decision": "block", "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "re:/shadow$"}}
import os

d = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
try:
    fd = os.open("shadow", os.O_RDONLY, dir_fd=d)
    print("os.open(shadow, dir_fd=/etc): opened", os.read(fd, 16))
except PermissionError:
    print("os.open(shadow, dir_fd=/etc): PermissionError")
