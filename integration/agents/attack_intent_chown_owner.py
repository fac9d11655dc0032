# A hook-layer chown explains only a chown to the owner it was decided on (R-3: the whole decided
# tuple): under a policy that allows chown to 1000:1000 only, an honest os.chown(f, 1000, 1000) passes
# both layers (one allowed hook row, the kernel call explained) and os.chown(f, 0, 0) is blocked at the
# hook. The agent (root) then raises a forged os.chown(f, 1000, 1000) event, which the hook layer
# allows, and calls ctypes chown(f, 0, 0) on the same thread: the kernel call is judged on its own
# owner and blocked; the file keeps owner 1000:1000. shutil.chown with names is decided with the ids.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/files-chown-1000.json"], "exit": 0, "files": {"owned.txt": "x"}, "stdout": ["honest 1000: ok", "honest 0: PermissionError", "shutil root: PermissionError", "forged 1000: allowed", "raw 0:0: EACCES", "owner: 1000:1000"]}
# event: {"count": 2, "layer": "hook", "decision": "allow", "rule": {"name": "chown-1000"}, "action": {"type": "file", "subtype": "chown", "path": "{WORK}/owned.txt", "owner": "1000:1000"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "rule": {"name": "chown-other"}, "action": {"type": "file", "subtype": "chown", "path": "{WORK}/owned.txt", "owner": "0:0"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "rule": {"name": "chown-other"}, "action": {"type": "file", "subtype": "chown", "path": "{WORK}/owned.txt", "owner": "0:-1"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "unexplained": true, "rule": {"name": "chown-other"}, "action": {"type": "file", "subtype": "chown", "path": "{WORK}/owned.txt", "owner": "0:0"}}
# no-event: {"layer": "syscall", "decision": "allow", "action": {"subtype": "chown"}}
import ctypes
import errno
import os
import shutil
import sys

f = os.path.join(os.environ["IRONGATE_TEST_WORK"], "owned.txt")
for label, owner in (("honest 1000", 1000), ("honest 0", 0)):
    try:
        os.chown(f, owner, owner)
        print(label + ": ok")
    except PermissionError:
        print(label + ": PermissionError")
try:
    shutil.chown(f, user="root")
    print("shutil root: ok")
except PermissionError:
    print("shutil root: PermissionError")

# The hook layer judges the event; no chown is done by it.
try:
    sys.audit("os.chown", f, 1000, 1000, -1)
    print("forged 1000: allowed")
except PermissionError:
    print("forged 1000: PermissionError")
libc = ctypes.CDLL(None, use_errno=True)
r = libc.chown(f.encode(), 0, 0)
print("raw 0:0:", "done" if r == 0 else errno.errorcode.get(ctypes.get_errno(), "?"))
st = os.stat(f)
print(f"owner: {st.st_uid}:{st.st_gid}")
