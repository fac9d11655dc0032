# Another process's /proc entry is sensitive under the built-in policy (R-80, rule other-processes): a sibling
# `sleep` started beside the run, outside the agent's tree, with a secret in its environment. Its environ, cmdline
# and descriptor table go to review (held until --review-timeout 0.2, then refused) through Python's open and
# os.listdir, through libc open() and through a raw openat syscall from ctypes; the supervisor (the agent's parent)
# is blocked outright. "self" is decided by the supervisor from the kernel's process table: the secret never shows.
# irongate: {"args": ["--review-timeout", "0.2"], "outside": true, "exit": 0, "stdout": ["py environ: PermissionError", "py cmdline: PermissionError", "py fd list: PermissionError", "libc environ: fd=-1 errno=EACCES", "raw environ: fd=-1 errno=EACCES", "raw task environ: fd=-1 errno=EACCES", "py parent environ: PermissionError", "libc parent environ: fd=-1 errno=EACCES", "secret seen: False"]}
# event: {"count": 2, "layer": "hook", "decision": "review", "rule": {"name": "other-processes"}, "action": {"type": "file", "subtype": "read", "path": "re:^/proc/[0-9]+/(environ|cmdline)$", "proc_owner": "other"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "other-processes"}, "action": {"type": "file", "subtype": "list", "path": "re:^/proc/[0-9]+/fd$", "proc_owner": "other"}}
# event: {"count": 3, "layer": "syscall", "unexplained": true, "decision": "review", "rule": {"name": "other-processes"}, "action": {"type": "file", "subtype": "read", "path": "re:^/proc/[0-9]+/(task/[0-9]+/)?environ$", "proc_owner": "other"}}
# event: {"count": 6, "layer": "review", "decision": "block", "review": {"timeout": true}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_supervisor", "action": {"path": "re:^/proc/[0-9]+/environ$"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "reason": "re:^irongate_supervisor", "action": {"path": "re:^/proc/[0-9]+/environ$"}}
# no-event: {"decision": "allow", "action": {"path": "re:^/proc/[0-9]+/(environ|cmdline|fd)$"}}
# no-event: {"action": {"proc_owner": "self"}, "decision": "review"}
import ctypes
import errno
import os

sib = int(os.environ["IRONGATE_TEST_SIBLING"])
seen = False


def py(label, fn):
    global seen
    try:
        data = fn()
        seen = seen or b"sibling-secret" in (data if isinstance(data, bytes) else repr(data).encode())
        print(f"py {label}: read {len(data)}")
    except OSError as e:
        print(f"py {label}: {type(e).__name__}")


def read(path):
    with open(path, "rb") as f:
        return f.read()


py("environ", lambda: read(f"/proc/{sib}/environ"))
py("cmdline", lambda: read(f"/proc/{sib}/cmdline"))
py("fd list", lambda: os.listdir(f"/proc/{sib}/fd"))

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_openat = 257  # x86_64
AT_FDCWD = -100


def native(label, fd):
    global seen
    err = errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno())
    if fd >= 0:
        seen = seen or b"sibling-secret" in os.read(fd, 65536)
        os.close(fd)
    print(f"{label}: fd={fd} errno={err if fd < 0 else 0}")


native("libc environ", libc.open(f"/proc/{sib}/environ".encode(), os.O_RDONLY))
native("raw environ", libc.syscall(SYS_openat, AT_FDCWD, f"/proc/{sib}/environ".encode(), os.O_RDONLY))
native(
    "raw task environ",
    libc.syscall(SYS_openat, AT_FDCWD, f"/proc/{sib}/task/{sib}/environ".encode(), os.O_RDONLY),
)

parent = os.getppid()
py("parent environ", lambda: read(f"/proc/{parent}/environ"))
native("libc parent environ", libc.open(f"/proc/{parent}/environ".encode(), os.O_RDONLY))
print("secret seen:", seen)
