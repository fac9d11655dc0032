# Namespace flags on clone: clone(CLONE_NEWUSER|SIGCHLD) through syscall() is refused with EPERM
# (no child is created), and clone3 — whose flags live in memory, out of the filter's reach — answers
# ENOSYS whatever it is asked.
# irongate: {"exit": 0, "stdout": ["clone(NEWUSER)=-1 errno=EPERM", "clone(NEWPID)=-1 errno=EPERM", "clone3(NEWUSER)=-1 errno=ENOSYS", "no child: True"]}
import ctypes
import errno
import os
import signal

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_clone, SYS_clone3 = 56, 435
CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
for name, flag in (("NEWUSER", CLONE_NEWUSER), ("NEWPID", CLONE_NEWPID)):
    r = libc.syscall(SYS_clone, flag | signal.SIGCHLD, 0, 0, 0, 0)
    if r == 0:
        os._exit(42)  # the child, had it been created
    print(f"clone({name})={r} errno={errno.errorcode.get(ctypes.get_errno())}")


class CloneArgs(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in (
        "flags", "pidfd", "child_tid", "parent_tid", "exit_signal", "stack", "stack_size", "tls")]


args = CloneArgs(flags=CLONE_NEWUSER, exit_signal=signal.SIGCHLD)
r = libc.syscall(SYS_clone3, ctypes.byref(args), ctypes.sizeof(args))
if r == 0:
    os._exit(42)
print(f"clone3(NEWUSER)={r} errno={errno.errorcode.get(ctypes.get_errno())}")
try:
    os.waitpid(-1, os.WNOHANG)
    print("no child: False")
except ChildProcessError:
    print("no child: True")
