# A child made by a raw clone(SIGCHLD) through ctypes: the C library's fork handlers do not run in it,
# so the hook's cached process id is its parent's. Its opens still go where they belong: the read of
# a workspace file works, the blocked write is refused (PermissionError), and nothing it does is
# decided as its parent's; the parent's own opens afterwards are unaffected.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/allow-processes.json"], "exit": 0, "stdout": ["child: read data", "child: write PermissionError", "parent: child exited 7", "parent: read data", "parent: write PermissionError"], "files": {"data.txt": "data"}}
# event: {"decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/data.txt"}}
# event: {"count": 2, "decision": "block", "action": {"type": "file", "path": "/var/tmp/irongate-clone-probe"}}
import ctypes
import os
import signal
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_clone = 56


def probe(who):
    print(f"{who}: read", open("data.txt").read(), flush=True)
    try:
        open("/var/tmp/irongate-clone-probe", "w")
        print(f"{who}: write done", flush=True)
    except PermissionError as e:
        print(f"{who}: write", type(e).__name__, flush=True)


sys.stdout.flush()
# clone(flags=SIGCHLD, stack=NULL): a fork without the C library's fork.
pid = libc.syscall(SYS_clone, signal.SIGCHLD, 0, 0, 0, 0)
if pid < 0:
    print("clone failed", ctypes.get_errno(), flush=True)
    sys.exit(1)
if pid == 0:
    probe("child")
    os._exit(7)
_, status = os.waitpid(pid, 0)
print("parent: child exited", os.waitstatus_to_exitcode(status), flush=True)
probe("parent")
