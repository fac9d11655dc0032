# cwd race on a performed unlink: thread B flips the process's working directory between ok/ and
# forbidden_dir/ (both hold victim.txt) while thread A loops the raw unlink("victim.txt") — a relative
# path — re-creating ok/victim.txt after each success. The supervisor takes the caller's cwd through
# /proc/<tid>/cwd once, judges the real path of that directory and unlinks in it: a cwd changed after
# the check changes nothing, so forbidden_dir/victim.txt survives and every allowed delete is under ok/.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 120, "stdout": ["forbidden_dir/victim.txt intact: True", "allowed deletes > 0: True", "denied > 0: True"], "files": {"ok/victim.txt": "ok", "forbidden_dir/victim.txt": "SECRET"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "delete", "path": "{WORK}/forbidden_dir/victim.txt"}}
# event: {"decision": "allow", "layer": "syscall", "action": {"type": "file", "subtype": "delete", "path": "{WORK}/ok/victim.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "delete", "path": "re:forbidden"}}
# no-event: {"decision": "allow", "action": {"subtype": "delete", "path": "re:^{WORK}/victim\\.txt$"}}
import ctypes
import errno
import os
import sys
import threading

sys.setswitchinterval(1e-6)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_unlink = 87
work = os.getcwd()
OK, FORB = os.path.join(work, "ok"), os.path.join(work, "forbidden_dir")
before = os.stat(os.path.join(FORB, "victim.txt")).st_ino
stop = threading.Event()
flips = 0


def flipper():
    global flips
    while not stop.is_set():
        os.chdir(FORB if flips % 2 == 0 else OK)
        flips += 1


t = threading.Thread(target=flipper)
t.start()
# The race starts once the cwd is one of the two directories (before the
# first flip it is the scratch dir itself, where an unlink is allowed).
while flips == 0:
    pass
deleted = denied = other = 0
for i in range(2000):
    r = libc.syscall(SYS_unlink, b"victim.txt")
    e = ctypes.get_errno()
    if r == 0:
        deleted += 1
        if not os.path.exists(os.path.join(FORB, "victim.txt")):
            break
        with open(os.path.join(OK, "victim.txt"), "w") as f:
            f.write("ok")
    elif e == errno.EACCES:
        denied += 1
    else:
        other += 1
stop.set()
t.join()
try:
    intact = os.stat(os.path.join(FORB, "victim.txt")).st_ino == before
except FileNotFoundError:
    intact = False
print("forbidden_dir/victim.txt intact:", intact)
print("allowed deletes > 0:", deleted > 0)
print("denied > 0:", denied > 0)
print(f"deleted={deleted} denied={denied} other={other} flips={flips}", file=sys.stderr)
