# Magic links walked out of the agent's own /proc entry: `/proc/<self>/../<supervisor>/fd/N` starts
# with the agent's own entry, but `..` leaves it, and following the supervisor's magic links in the
# supervisor's context would reopen the supervisor's own descriptors for the agent. A path with `..`
# never follows magic links, so every such open is refused; the agent's own /proc/self/fd/N still works.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["opened=0", "own fd reopen: ok"]}
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
sup, me = os.getppid(), os.getpid()
paths = [f"/proc/{me}/../{sup}/cwd", f"/proc/self/../{sup}/root/etc/hostname",
         f"/proc/thread-self/../../{sup}/cwd/x"]
paths += [f"/proc/self/../{sup}/fd/{n}" for n in range(25)]
opened = 0
for p in paths:
    fd = libc.syscall(257, -100, p.encode(), os.O_RDONLY, 0)  # raw openat
    if fd >= 0:
        opened += 1
        print("OPENED", p, os.readlink(f"/proc/self/fd/{fd}"))
        os.close(fd)
print(f"opened={opened}")
with open("own.txt", "w") as f:
    f.write("mine")
fd = os.open("own.txt", os.O_RDONLY)
again = libc.syscall(257, -100, f"/proc/self/fd/{fd}".encode(), os.O_RDONLY, 0)
print("own fd reopen:", "ok" if again >= 0 and os.read(again, 4) == b"mine" else "failed")
