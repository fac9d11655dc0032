# io_uring submits opens, connects and sends through shared rings that seccomp never sees
# (kernel-and-crates.md 1.3): io_uring_setup (and _enter, _register) are refused by the filter with EPERM,
# so no ring exists to submit anything through.
# irongate: {"exit": 0, "stdout": ["io_uring_setup=-1 errno=EPERM", "io_uring_enter=-1 errno=EPERM", "io_uring_register=-1 errno=EPERM"]}
# no-event: {"decision": "allow", "unexplained": true, "action": {"type": "re:^(process|network)$"}}
import ctypes
import errno

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
params = ctypes.create_string_buffer(120)  # struct io_uring_params
for name, nr, args in (
    ("io_uring_setup", 425, (8, params)),
    ("io_uring_enter", 426, (3, 1, 0, 0, None, 0)),
    ("io_uring_register", 427, (3, 0, None, 0)),
):
    r = libc.syscall(nr, *args)
    print(f"{name}={r} errno={errno.errorcode.get(ctypes.get_errno())}")
