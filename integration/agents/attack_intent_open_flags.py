# A hook-layer open explains only an open with the flags it was decided on (R-3: the whole decided tuple): under a policy that lets audit.log be opened for appending only, an honest append passes both layers and open(log, "w") is blocked at the hook. With an audit hook of its own installed (opens are then decided before they are made and leave an intent, not a note), the agent raises a forged open(log, "a", O_WRONLY|O_CREAT|O_APPEND) event, which the hook layer allows, and opens the log with ctypes open(log, O_WRONLY|O_TRUNC) on the same thread: the kernel-layer open is judged on its own flags and blocked; the log keeps its lines.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/files-append-only-log.json"], "exit": 0, "files": {"audit.log": "line 1\n"}, "stdout": ["honest append: ok", "honest overwrite: PermissionError", "forged append: allowed", "raw truncating open: EACCES", "log: 'line 1\\nline 2\\n'"]}
# event: {"count": 2, "layer": "hook", "decision": "allow", "rule": {"name": "log-append"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/audit.log", "mode": "a"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "rule": {"name": "log-other"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/audit.log", "mode": "w"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "rule": {"name": "log-other"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/audit.log", "flags": 513}}
# no-event: {"layer": "syscall", "decision": "allow", "action": {"path": "{WORK}/audit.log"}}
import ctypes
import errno
import os
import sys

log = os.path.join(os.environ["IRONGATE_TEST_WORK"], "audit.log")
# An audit hook of the agent's own: opens are then asked for before they
# are made (no note), and an allowed one leaves an intent for its syscall.
sys.addaudithook(lambda event, args: None)
try:
    with open(log, "a") as f:
        f.write("line 2\n")
    print("honest append: ok")
except PermissionError:
    print("honest append: PermissionError")
try:
    open(log, "w").close()
    print("honest overwrite: done")
except PermissionError:
    print("honest overwrite: PermissionError")

# The hook layer judges the event; nothing is opened by it.
try:
    sys.audit("open", log, "a", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    print("forged append: allowed")
except PermissionError:
    print("forged append: PermissionError")
libc = ctypes.CDLL(None, use_errno=True)
libc.open.argtypes = [ctypes.c_char_p, ctypes.c_int]
fd = libc.open(log.encode(), os.O_WRONLY | os.O_TRUNC)
if fd >= 0:
    print("raw truncating open: done")
    os.close(fd)
else:
    print("raw truncating open:", errno.errorcode.get(ctypes.get_errno(), "?"))
with open(log) as f:
    print("log:", repr(f.read()))
