# The notify loop reads the agent's memory (a syscall's path, a thread's open note). A userfaultfd
# that handles kernel faults (the /dev/userfaultfd device; the userfaultfd syscall itself is refused)
# on a page the supervisor then reads would stall the loop for as long as the agent likes: on main a
# raw openat whose path lies in such a page held every other thread's syscalls until the agent
# resolved the fault (and forever if it never did). The device is out of the agent's reach whatever
# the policy: os.open, libc open and /dev/char/<major:minor> are refused, so no userfaultfd exists.
# (If one could be opened, the rest shows whether another thread's open waited for the fault.)
# irongate: {"args": ["--profile", "trusted"], "exit": 0, "timeout": 60, "stdout": ["python: PermissionError", "raw: fd=-1", "char link: refused", "uffd: none"]}
# event: {"decision": "block", "reason": "re:^irongate_supervisor: /dev/userfaultfd", "action": {"type": "file", "path": "/dev/userfaultfd"}}
# no-event: {"decision": "allow", "action": {"path": "/dev/userfaultfd"}}
import ctypes
import mmap
import os
import threading
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
DEV = "/dev/userfaultfd"
dev = -1
try:
    dev = os.open(DEV, os.O_RDWR | os.O_CLOEXEC)
    print("python: opened")
except OSError as e:
    print("python:", type(e).__name__)
if dev < 0:
    dev = libc.open(DEV.encode(), os.O_RDWR | os.O_CLOEXEC)
    print("raw: fd=%d" % dev if dev >= 0 else "raw: fd=-1")
if dev < 0:
    try:
        st = os.stat(DEV)
        link = f"/dev/char/{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
        dev = libc.open(link.encode(), os.O_RDWR | os.O_CLOEXEC)
        print("char link: opened" if dev >= 0 else "char link: refused")
    except FileNotFoundError:
        print("char link: refused")
if dev < 0:
    print("uffd: none")
else:
    uffd = libc.ioctl(dev, 0xAA00, ctypes.c_void_p(os.O_CLOEXEC))  # USERFAULTFD_IOC_NEW
    api = (ctypes.c_uint64 * 3)(0xAA, 0, 0)
    libc.ioctl(uffd, 0xC018AA3F, ctypes.byref(api))  # UFFDIO_API
    P = mmap.PAGESIZE
    base = libc.mmap(None, P, 3, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    reg = (ctypes.c_uint64 * 4)(base, P, 1, 0)  # MODE_MISSING
    libc.ioctl(uffd, 0xC020AA00, ctypes.byref(reg))  # UFFDIO_REGISTER
    t = {}

    def other():
        time.sleep(1.0)
        fd = libc.syscall(257, -100, b"/etc/hostname", 0, 0)
        t["other"] = time.monotonic()
        if fd >= 0:
            os.close(fd)

    def resolve():
        time.sleep(3.0)
        t["resolved"] = time.monotonic()
        zp = (ctypes.c_uint64 * 4)(base, P, 0, 0)
        libc.ioctl(uffd, 0xC020AA04, ctypes.byref(zp))  # UFFDIO_ZEROPAGE

    threads = [threading.Thread(target=f, daemon=True) for f in (other, resolve)]
    for th in threads:
        th.start()
    libc.syscall(257, -100, ctypes.c_void_p(base), 0, 0)
    for th in threads:
        th.join(10)
    print("uffd: made; other open answered while the fault was pending:", t.get("other", 1e18) < t.get("resolved", 0))
