# Directory symlink swap race: `d` is flipped (symlink + atomic replace) between okdir/ and
# forbidden_dir/ while the main thread does raw unlinkat("d/victim.txt") and renameat("d/a.txt" ->
# "stolen.txt") through it, re-creating okdir's files after each success. The supervisor opens the parent
# directory itself, judges the path it really reached and performs the call on that very directory:
# whatever `d` points to afterwards, nothing in forbidden_dir/ is removed or moved out.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/k_files.json"], "exit": 0, "timeout": 120, "stdout": ["forbidden_dir intact: True", "stolen from forbidden_dir: 0", "allowed > 0: True", "denied > 0: True"], "files": {"okdir/victim.txt": "ok", "okdir/a.txt": "ok", "forbidden_dir/victim.txt": "SECRET-V", "forbidden_dir/a.txt": "SECRET-A"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "delete", "path": "{WORK}/forbidden_dir/victim.txt"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/forbidden_dir/a.txt", "target": "{WORK}/stolen.txt"}}
# event: {"decision": "allow", "layer": "syscall", "action": {"type": "file", "subtype": "delete", "path": "{WORK}/okdir/victim.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "re:^(delete|rename)$", "path": "re:forbidden"}}
import ctypes
import errno
import os
import sys
import threading

sys.setswitchinterval(1e-6)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_unlinkat, SYS_renameat, AT_FDCWD = 263, 264, -100
work = os.getcwd()
LINK, TMP = os.path.join(work, "d"), os.path.join(work, "d.tmp")
ino = {n: os.stat(os.path.join(work, "forbidden_dir", n)).st_ino for n in ("victim.txt", "a.txt")}
os.symlink("okdir", LINK)
stop = threading.Event()
flips = 0


def flipper():
    global flips
    targets = ("forbidden_dir", "okdir")
    while not stop.is_set():
        try:
            os.symlink(targets[flips % 2], TMP)
            os.replace(TMP, LINK)
        except OSError:
            pass
        flips += 1


t = threading.Thread(target=flipper)
t.start()
allowed = denied = other = stolen = 0
for i in range(3000):
    if i % 2 == 0:
        r = libc.syscall(SYS_unlinkat, AT_FDCWD, b"d/victim.txt", 0)
    else:
        r = libc.syscall(SYS_renameat, AT_FDCWD, b"d/a.txt", AT_FDCWD, b"stolen.txt")
    e = ctypes.get_errno()
    if r == 0:
        allowed += 1
        if i % 2 and os.stat("stolen.txt").st_ino in ino.values():
            stolen += 1
        for n in ("victim.txt", "a.txt"):
            p = os.path.join(work, "okdir", n)
            if not os.path.exists(p):
                with open(p, "w") as f:
                    f.write("ok")
    elif e == errno.EACCES:
        denied += 1
    else:
        other += 1
stop.set()
t.join()
intact = all(
    os.path.exists(os.path.join(work, "forbidden_dir", n)) and os.stat(os.path.join(work, "forbidden_dir", n)).st_ino == i
    for n, i in ino.items()
)
print("forbidden_dir intact:", intact)
print("stolen from forbidden_dir:", stolen)
print("allowed > 0:", allowed > 0)
print("denied > 0:", denied > 0)
print(f"allowed={allowed} denied={denied} other={other} flips={flips}", file=sys.stderr)
