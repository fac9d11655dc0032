# A second seccomp filter could override IronGate's notifier (a newer RET_USER_NOTIF filter wins, a
# higher-precedence action wins: seccomp_unotify(2)). prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, allow-all)
# is refused with EPERM and the process still has exactly the filters it started with.
# irongate: {"exit": 0, "stdout": ["prctl(PR_SET_SECCOMP, FILTER)=-1 errno=EPERM", "prctl(PR_SET_SECCOMP, STRICT)=-1 errno=EPERM", "filters unchanged: True"]}
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
allow_all = (SockFilter * 1)(SockFilter(0x06, 0, 0, 0x7FFF0000))  # BPF_RET|BPF_K, SECCOMP_RET_ALLOW
prog = SockFprog(1, allow_all)
PR_SET_SECCOMP, SECCOMP_MODE_STRICT, SECCOMP_MODE_FILTER = 22, 1, 2
r = libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0)
print(f"prctl(PR_SET_SECCOMP, FILTER)={r} errno={errno.errorcode.get(ctypes.get_errno())}")
r = libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0)
print(f"prctl(PR_SET_SECCOMP, STRICT)={r} errno={errno.errorcode.get(ctypes.get_errno())}")
print("filters unchanged:", filters() == before, before)
