# A create or a truncate must never happen to a file other than the one judged. {WORK}/f is a regular
# file and {WORK}/l a symlink to blocked/victim ("precious"; the policy blocks everything below
# {WORK}/blocked/). One thread exchanges f and l with raw renameat2(RENAME_EXCHANGE) (allowed: both
# names are in the work area); the other opens {WORK}/f with O_WRONLY|O_TRUNC (open(..., "w") and libc
# open) 1,500 times, and likewise {WORK}/g|O_CREAT while g flips between missing and a link to
# blocked/made. The open is judged on what f (g) is at that moment; the supervisor's own open must
# reach exactly that file: a link swapped in after the judgement refuses the open instead of emptying
# (or creating) the blocked file before the read-back.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/blocked-dir.json"], "exit": 0, "timeout": 240, "files": {"blocked/victim": "precious", "f": "ok"}, "stdout": ["tries: 1500", "victim size: 8", "made in blocked/: False", "swapped: True"]}
# no-event: {"decision": "allow", "action": {"path": "re:/work/blocked/"}}
import ctypes
import os
import threading

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_renameat2, AT_FDCWD, RENAME_EXCHANGE = 316, -100, 2
work = os.getcwd()
os.symlink("blocked/victim", "l")
stop = threading.Event()
swaps = [0]
F, L, G = (os.path.join(work, n).encode() for n in ("f", "l", "g"))


def swapper():
    while not stop.is_set():
        if libc.syscall(SYS_renameat2, AT_FDCWD, F, AT_FDCWD, L, RENAME_EXCHANGE) == 0:
            swaps[0] += 1
        # g: a dangling link to blocked/made, then nothing.
        libc.symlink(b"blocked/made", G)
        libc.unlink(G)


t = threading.Thread(target=swapper, daemon=True)
t.start()
for i in range(1500):
    if i % 2:
        fd = libc.open(F, os.O_WRONLY | os.O_TRUNC, 0o644)
        if fd >= 0:
            os.close(fd)
        fd = libc.open(G, os.O_WRONLY | os.O_CREAT, 0o644)
        if fd >= 0:
            os.close(fd)
            libc.unlink(G)
    else:
        try:
            open("f", "w").close()
        except OSError:
            pass
stop.set()
t.join()
print("tries: 1500")
print("victim size:", os.stat("blocked/victim").st_size)
print("made in blocked/:", os.path.lexists("blocked/made"))
print("swapped:", swaps[0] > 0)
