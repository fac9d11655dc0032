# A forked child forks again and the grandchild calls libc open() of a forbidden file through ctypes.
# Forks are allowed by this run's policy (Python children); the grandchild's open is unexplained and
# decided at the kernel layer on the grandchild's own pid: blocked, EACCES, content never read.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["grandchild: fd=-1 errno=EACCES", "grandchild exit 0", "child exit 0"], "files": {"forbidden.txt": "TOP SECRET"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/forbidden.txt"}}
# no-event: {"decision": "allow", "action": {"path": "re:forbidden"}}
import ctypes
import errno
import os
import sys

r, w = os.pipe()
child = os.fork()
if child == 0:
    grandchild = os.fork()
    if grandchild == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.open(b"forbidden.txt", os.O_RDONLY)
        err = errno.errorcode.get(ctypes.get_errno())
        msg = f"grandchild: fd={fd} errno={err} pid={os.getpid()}\n"
        if fd >= 0:
            msg += f"grandchild read {os.read(fd, 64)!r}\n"
        os.write(w, msg.encode())
        os._exit(0)
    _, st = os.waitpid(grandchild, 0)
    os.write(w, f"grandchild exit {os.waitstatus_to_exitcode(st)}\n".encode())
    os._exit(0)
os.close(w)
_, st = os.waitpid(child, 0)
out = b""
while chunk := os.read(r, 4096):
    out += chunk
sys.stdout.write(out.decode())
print("child exit", os.waitstatus_to_exitcode(st))
