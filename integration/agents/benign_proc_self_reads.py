# The agent's own /proc entry stays an ordinary read under the built-in policy: /proc/self,
# /proc/<own pid>, /proc/thread-self and a thread's /proc/<tid> through Python and libc, the runtime's own reads
# (threads, ctypes, platform, os.cpu_count), and /proc itself listed. Nothing goes to review or is blocked; the
# supervisor names the entries "self".
# irongate: {"exit": 0, "stdout": ["status ok", "maps ok", "cmdline ok", "thread-self ok", "tid ok", "task ok", "fd list ok", "proc list ok", "libc self ok", "libc pid ok", "runtime ok"]}
# event: {"layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "re:^/proc/[0-9]+/status$", "requested": "/proc/self/status", "proc_owner": "self"}}
# event: {"layer": "hook", "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "re:^/proc/[0-9]+/task/[0-9]+/status$", "proc_owner": "self"}}
# no-event: {"decision": "review"}
# no-event: {"decision": "block"}
# no-event: {"action": {"proc_owner": "other"}}
import ctypes
import os
import platform
import threading

pid = os.getpid()


def ok(label, path):
    with open(path, "rb") as f:
        assert f.read(), path
    print(label, "ok")


ok("status", "/proc/self/status")
ok("maps", "/proc/self/maps")
ok("cmdline", f"/proc/{pid}/cmdline")
ok("thread-self", "/proc/thread-self/stat")


def in_thread():
    tid = threading.get_native_id()
    ok("tid", f"/proc/{tid}/status")
    ok("task", f"/proc/{pid}/task/{tid}/status")


t = threading.Thread(target=in_thread)
t.start()
t.join()
assert os.listdir("/proc/self/fd")
print("fd list ok")
assert str(pid) in os.listdir("/proc")
print("proc list ok")

libc = ctypes.CDLL(None, use_errno=True)
for label, path in (("libc self", b"/proc/self/maps"), ("libc pid", f"/proc/{pid}/environ".encode())):
    fd = libc.open(path, os.O_RDONLY)
    assert fd >= 0, (path, ctypes.get_errno())
    os.close(fd)
    print(label, "ok")

platform.platform()
assert os.cpu_count()
print("runtime ok")
