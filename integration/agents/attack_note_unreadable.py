# A note the supervisor cannot read explains nothing, and never allows. With forged hellos the agent
# registers as its thread's note (1) an unmapped address and (2) a note that straddles the end of a
# readable page (its header and the start of its path readable, the rest unmapped: a PROT_NONE page would
# not do, /proc/<pid>/mem, the container mechanism, reads it), each followed by
# raw opens of /etc/shadow and /etc/hostname that such a note would name. Each open is judged on its
# own (syscall layer, unexplained): /etc/shadow refused, /etc/hostname allowed by the policy.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["unmapped notes: True", "unmapped shadow: fd=-1", "unmapped hostname: opened", "straddling notes: True", "straddling shadow: fd=-1", "straddling hostname: opened"]}
# event: {"count": 2, "decision": "block", "layer": "syscall", "unexplained": true, "action": {"path": "/etc/shadow"}}
# event: {"count": 2, "decision": "allow", "layer": "syscall", "unexplained": true, "action": {"path": "/etc/hostname"}}
# no-event: {"layer": "hook", "action": {"path": "re:^/etc/(shadow|hostname)$"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import ctypes
import mmap
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
SYS_openat, AT_FDCWD = 257, -100
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import forged_note  # noqa: E402


def hello(addr):
    return forged_note.hello(addr).get("notes")


note_bytes = forged_note.note_bytes


def attempt(label, p):
    fd = libc.syscall(SYS_openat, AT_FDCWD, p, os.O_RDONLY, 0)
    if fd >= 0:
        os.close(fd)
    print(f"{label}: " + ("opened" if fd >= 0 else "fd=-1"))


# (1) An address nothing is mapped at (the first page is never mapped).
print("unmapped notes:", hello(0x1000))
attempt("unmapped shadow", b"/etc/shadow")
attempt("unmapped hostname", b"/etc/hostname")

# (2) Two pages, the second unmapped again; the note starts 60 bytes before it, so its header and the
# first bytes of its path are readable and the rest is not (by process_vm_readv or /proc/<pid>/mem).
base = libc.mmap(None, 2 * mmap.PAGESIZE, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
at = base + mmap.PAGESIZE - 60
ctypes.memmove(at, note_bytes(1, b"/etc/shadow"), 60)
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
assert libc.munmap(base + mmap.PAGESIZE, mmap.PAGESIZE) == 0
print("straddling notes:", hello(at))
attempt("straddling shadow", b"/etc/shadow")
ctypes.memmove(at, note_bytes(2, b"/etc/hostname"), 60)
attempt("straddling hostname", b"/etc/hostname")
