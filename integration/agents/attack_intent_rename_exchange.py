# A hook-layer rename explains only a plain rename of the same two paths, never an exchange (R-3: the intent is the whole decided tuple): under a policy that lets keep.txt be replaced but never lose its name (delete blocked), the agent raises a forged os.rename(a.txt, keep.txt) event, which the hook layer allows (a plain rename onto keep.txt replaces it), then swaps the two files on the same thread with ctypes renameat2(RENAME_EXCHANGE), which also takes keep.txt's name away (the mirror rename keep.txt -> a.txt, delete keep.txt). The exchange is judged on its own at the kernel layer and blocked; both files keep their content.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/files-keep-undeletable.json"], "exit": 0, "files": {"a.txt": "agent", "keep.txt": "kept"}, "stdout": ["forged rename: allowed", "exchange: EACCES", "a.txt: agent", "keep.txt: kept"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "file", "subtype": "rename", "path": "{WORK}/a.txt", "target": "{WORK}/keep.txt"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "unexplained": true, "rule": {"name": "keep"}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/a.txt", "target": "{WORK}/keep.txt", "exchange": true}}
# no-event: {"decision": "allow", "action": {"exchange": true}}
import ctypes
import errno
import os
import sys

work = os.environ["IRONGATE_TEST_WORK"]
a, keep = os.path.join(work, "a.txt"), os.path.join(work, "keep.txt")
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2

# The hook layer judges the event; no rename is done by it.
try:
    sys.audit("os.rename", a, keep, -1, -1)
    print("forged rename: allowed")
except PermissionError:
    print("forged rename: PermissionError")

r = libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, keep.encode(), RENAME_EXCHANGE)
print("exchange:", "done" if r == 0 else errno.errorcode.get(ctypes.get_errno(), "?"))
for p in (a, keep):
    with open(p) as f:
        print(os.path.basename(p) + ":", f.read())
