# A directory on a plain absolute path swapped for a symlink (RENAME_EXCHANGE) while Python opens go
# through it. {WORK}/d is a directory holding shadow ("fine"); {WORK}/s is a symlink to /etc. One
# thread exchanges d and s with raw renameat2 (allowed: both names are in the work area), the other
# opens {WORK}/d/shadow with open() 1,500 times. The path is plain (absolute, no . or ..), so the
# supervisor takes it as its own real path only when the kernel reaches it without a symlink: through
# the symlink it is resolved to /etc/shadow and blocked, and a swap between the judgement and the open
# is caught by the emulated open. No read ever returns /etc/shadow's content, and it is never allowed.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 240, "files": {"d/shadow": "fine"}, "stdout": ["tries: 1500", "shadow content read: 0", "swapped: True"]}
# event: {"decision": "block", "rule": {"name": "system-secrets"}, "action": {"type": "file", "path": "/etc/shadow", "requested": "{WORK}/d/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"type": "file", "subtype": "read", "path": "re:^{WORK}/s/"}}
import ctypes
import os
import threading

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_renameat2, AT_FDCWD, RENAME_EXCHANGE = 316, -100, 2
work = os.getcwd()
os.symlink("/etc", "s")
stop = threading.Event()
swaps = [0]


def swapper():
    a, b = os.path.join(work, "d").encode(), os.path.join(work, "s").encode()
    while not stop.is_set():
        if libc.syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0:
            swaps[0] += 1


t = threading.Thread(target=swapper, daemon=True)
t.start()
leaked = tries = 0
target = os.path.join(work, "d", "shadow")
for _ in range(1500):
    tries += 1
    try:
        with open(target) as f:
            if "root:" in f.read():
                leaked += 1
    except OSError:
        pass
stop.set()
t.join()
print("tries:", tries)
print("shadow content read:", leaked)
print("swapped:", swaps[0] > 0)
