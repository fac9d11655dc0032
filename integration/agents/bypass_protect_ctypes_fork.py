# shield.protect(profile="minimal") must never be widened. Inside the scope, os.fork() is refused
# (minimal has no process.exec), but libc fork() through ctypes raises no audit event and clone is not
# trapped: the child is a new process of the run. Whatever it then does comes from the narrowed code, so
# its libc open() must be judged with the narrowed profile — refused at the kernel layer, not allowed
# under the run's wider profile.
# irongate: {"exit": 0, "stdout": ["os.fork: PermissionError", "child libc read: fd=-1 errno=EACCES"], "files": {"ok.txt": "OK-CONTENT"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:file.read", "action": {"type": "file", "path": "{WORK}/ok.txt"}}
# no-event: {"decision": "allow", "action": {"type": "file", "path": "{WORK}/ok.txt"}}
import ctypes
import errno
import os

from irongate import shield

libc = ctypes.CDLL(None, use_errno=True)
# Resolved before the fork: in the child, a new dlsym (an audit event) would need the child's hook to
# join the run, which is refused; the cached function pointers raise no event.
c_fork, c_open, get_errno = libc.fork, libc.open, ctypes.get_errno
r, w = os.pipe()
with shield.protect(profile="minimal"):
    try:
        if os.fork() == 0:
            os._exit(0)
        print("os.fork: forked")
    except PermissionError:
        print("os.fork: PermissionError")
    pid = c_fork()
    if pid == 0:
        fd = c_open(b"ok.txt", os.O_RDONLY)
        err = errno.errorcode.get(get_errno()) if fd < 0 else None
        os.write(w, f"child libc read: fd={fd} errno={err}\n".encode())
        os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    print(os.read(r, 200).decode().strip())
