# A hook-layer chmod explains only a chmod to the mode it was decided on (R-3: the whole decided tuple): under a policy that allows chmod to 644 only, an honest os.chmod(f, 0o644) passes both layers (one allowed hook row, the kernel call explained), and os.chmod to 0o777 is blocked at the hook. The agent then raises a forged os.chmod(f, 0o644) event, which the hook layer allows, and calls ctypes chmod(f, 0o4777) on the same thread: the kernel call is judged on its own mode and blocked; the file keeps mode 644.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/files-chmod-644.json"], "exit": 0, "files": {"run.sh": "echo hi\n"}, "stdout": ["honest 644: ok", "honest 777: PermissionError", "forged 644: allowed", "raw 4777: EACCES", "mode: 0o644"]}
# event: {"count": 2, "layer": "hook", "decision": "allow", "rule": {"name": "chmod-644"}, "action": {"type": "file", "subtype": "chmod", "path": "{WORK}/run.sh", "mode": "644"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "rule": {"name": "chmod-other"}, "action": {"type": "file", "subtype": "chmod", "path": "{WORK}/run.sh", "mode": "777"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "rule": {"name": "chmod-other"}, "action": {"type": "file", "subtype": "chmod", "path": "{WORK}/run.sh", "mode": "4777"}}
# no-event: {"layer": "syscall", "decision": "allow", "action": {"subtype": "chmod"}}
import ctypes
import errno
import os
import stat
import sys

f = os.path.join(os.environ["IRONGATE_TEST_WORK"], "run.sh")
for label, mode in (("honest 644", 0o644), ("honest 777", 0o777)):
    try:
        os.chmod(f, mode)
        print(label + ": ok")
    except PermissionError:
        print(label + ": PermissionError")

# The hook layer judges the event; no chmod is done by it.
try:
    sys.audit("os.chmod", f, 0o644, -1)
    print("forged 644: allowed")
except PermissionError:
    print("forged 644: PermissionError")
libc = ctypes.CDLL(None, use_errno=True)
r = libc.chmod(f.encode(), 0o4777)
print("raw 4777:", "done" if r == 0 else errno.errorcode.get(ctypes.get_errno(), "?"))
print("mode:", oct(stat.S_IMODE(os.stat(f).st_mode)))
