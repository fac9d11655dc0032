# Forged open notes explain only the syscall they match whole. The agent registers a note buffer of
# its own (a forged hello on a raw connection to the supervisor's socket) and makes raw openat calls
# with notes that differ from the syscall in path, spelling, flags (an O_RDONLY note for an O_WRONLY
# open), base (a note for the cwd, the syscall relative to a descriptor of /etc), an embedded NUL,
# invalid UTF-8, a sequence number already used (after u64::MAX) or a cleared note: each is judged on
# its own (syscall layer, unexplained) and the blocked ones are refused. A note that matches whole
# (also one spelled /etc/../etc/shadow or through /proc/self/root) is the hook layer's decision on the real path: still a block.
# Every /etc/shadow open is logged once (8 rows), and the forbidden file keeps its content.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "files": {"forbidden_w.txt": "secret"}, "stdout": ["notes: True", "other-path: fd=-1 EACCES", "spelling: fd=-1 EACCES", "dotdot: fd=-1 EACCES", "rdonly-note-for-wronly: fd=-1 EACCES", "other-base: fd=-1 EACCES", "cleared: fd=-1 EACCES", "huge-seq: fd=-1 EACCES", "after-huge: opened", "nul: opened", "proc-root: fd=-1 EACCES", "thread-self-root: fd=-1 EACCES", "bad-utf8: fd=-1 ENOENT", "forbidden_w.txt size: 6", "no shadow content read: True"]}
# event: {"count": 8, "decision": "block", "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}}
# event: {"count": 4, "decision": "block", "layer": "hook", "unexplained": false, "action": {"type": "file", "path": "/etc/shadow"}}
# event: {"count": 1, "decision": "block", "layer": "hook", "action": {"path": "/etc/shadow", "requested": "/etc/../etc/shadow"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "action": {"path": "/etc/shadow", "requested": "/etc//shadow"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "Forbidden test file", "action": {"subtype": "write", "path": "{WORK}/forbidden_w.txt"}}
# event: {"count": 2, "decision": "allow", "layer": "syscall", "unexplained": true, "action": {"path": "/etc/hostname"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
# no-event: {"layer": "hook", "action": {"path": "/etc/hostname"}}
# no-event: {"layer": "hook", "action": {"path": "re:/tmp/irongate-note-"}}
# no-event: {"decision": "allow", "action": {"path": "re:forbidden"}}
import ctypes
import errno
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_openat, AT_FDCWD = 257, -100
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import forged_note  # noqa: E402
SIZE = forged_note.SIZE


buf = forged_note.buffer()
welcome = forged_note.hello(ctypes.addressof(buf))
print("notes:", welcome.get("notes"))


def note(seq, flags, path, dir_fd=-1, valid=1):
    ctypes.memmove(buf, forged_note.note_bytes(seq, path, flags, dir_fd, valid), SIZE)


leaked = []


def attempt(label, seq, note_path, sys_path, note_flags=os.O_RDONLY, sys_flags=os.O_RDONLY, dirfd=AT_FDCWD, note_dirfd=-1, valid=1):
    note(seq, note_flags, note_path, note_dirfd, valid)
    fd = libc.syscall(SYS_openat, dirfd, sys_path, sys_flags, 0o644)
    if fd < 0:
        e = ctypes.get_errno()
        print(f"{label}: fd=-1 {errno.errorcode.get(e, e)}")
        return
    if sys_flags & os.O_ACCMODE == os.O_RDONLY:
        data = os.read(fd, 4096)
        if b"root:" in data:
            leaked.append(label)
    os.close(fd)
    print(f"{label}: opened")


R = os.O_RDONLY
etc = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
target = os.path.abspath("forbidden_w.txt").encode()
attempt("other-path", 1, b"/etc/hostname", b"/etc/shadow")
attempt("spelling", 2, b"/etc/shadow", b"/etc//shadow")
attempt("dotdot", 3, b"/etc/../etc/shadow", b"/etc/../etc/shadow")
attempt("proc-root", 4, b"/proc/self/root/etc/shadow", b"/proc/self/root/etc/shadow")
attempt("thread-self-root", 5, b"/proc/thread-self/root/etc/shadow", b"/proc/thread-self/root/etc/shadow")
attempt("rdonly-note-for-wronly", 6, target, target, R, os.O_WRONLY | os.O_TRUNC)
attempt("other-base", 7, b"shadow", b"shadow", dirfd=etc, note_dirfd=-1)
attempt("cleared", 8, b"/etc/shadow", b"/etc/shadow", valid=0)
attempt("bad-utf8", 9, b"/tmp/irongate-note-\xff", b"/tmp/irongate-note-\xff")
attempt("huge-seq", 2**64 - 1, b"/etc/shadow", b"/etc/shadow")
# Every sequence number is used now: nothing explains an open any more.
attempt("after-huge", 10, b"/etc/hostname", b"/etc/hostname")
attempt("nul", 2**64 - 1, b"/etc/hostname\0/etc/shadow", b"/etc/hostname")
# Not truncated (reading it is forbidden too: its size says enough).
print("forbidden_w.txt size:", os.stat("forbidden_w.txt").st_size)
print("no shadow content read:", not leaked)
