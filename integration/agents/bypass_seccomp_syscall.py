# The seccomp() syscall (317) is refused outright: no second filter, no NEW_LISTENER notifier of the
# agent's own that could answer CONTINUE to its own calls (kernel-and-crates.md 1.1).
# irongate: {"exit": 0, "stdout": ["seccomp(SET_MODE_FILTER)=-1 errno=EPERM", "seccomp(SET_MODE_FILTER, NEW_LISTENER)=-1 errno=EPERM", "filters unchanged: True"]}
import ctypes
import errno


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


def filters():
    with open("/proc/self/status") as f:
        return [line for line in f if line.startswith(("Seccomp:", "Seccomp_filters:"))]


before = filters()
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
# Notify every openat to a listener of our own, allow the rest.
prog_insns = (SockFilter * 4)(
    SockFilter(0x20, 0, 0, 0),            # ld [nr]
    SockFilter(0x15, 0, 1, 257),          # jeq openat
    SockFilter(0x06, 0, 0, 0x7FC00000),   # ret USER_NOTIF
    SockFilter(0x06, 0, 0, 0x7FFF0000),   # ret ALLOW
)
prog = SockFprog(4, prog_insns)
SYS_seccomp, SET_MODE_FILTER, NEW_LISTENER = 317, 1, 1 << 3
r = libc.syscall(SYS_seccomp, SET_MODE_FILTER, 0, ctypes.byref(prog))
print(f"seccomp(SET_MODE_FILTER)={r} errno={errno.errorcode.get(ctypes.get_errno())}")
r = libc.syscall(SYS_seccomp, SET_MODE_FILTER, NEW_LISTENER, ctypes.byref(prog))
print(f"seccomp(SET_MODE_FILTER, NEW_LISTENER)={r} errno={errno.errorcode.get(ctypes.get_errno())}")
print("filters unchanged:", filters() == before, before)
