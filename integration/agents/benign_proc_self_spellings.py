# The agent's own /proc entry however the way there is spelled: //proc//self, /proc/./self,
# /proc/../proc/self and /./proc/thread-self are the caller's entry for the kernel, and so for the
# supervisor (read through Python at the hook layer and through libc at the kernel layer). Each read
# returns the agent's own status (its pid), named "self"; nothing is blocked or sent to review.
# irongate: {"exit": 0, "stdout": ["//proc//self/status ok", "/proc/./self/status ok", "/proc/../proc/self/status ok", "/./proc/thread-self/status ok", "libc //proc/./self/status ok"]}
# event: {"layer": "hook", "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "re:^/proc/[0-9]+/status$", "requested": "/proc/../proc/self/status", "proc_owner": "self"}}
# no-event: {"decision": "review"}
# no-event: {"decision": "block"}
# no-event: {"action": {"proc_owner": "other"}}
import ctypes
import os

pid = os.getpid()
for path in ["//proc//self/status", "/proc/./self/status", "/proc/../proc/self/status", "/./proc/thread-self/status"]:
    with open(path) as f:
        text = f.read()
    assert f"\nTgid:\t{pid}\n" in text, (path, text[:200])
    print(path, "ok")

libc = ctypes.CDLL(None, use_errno=True)
fd = libc.open(b"//proc/./self/status", os.O_RDONLY)
assert fd >= 0, ctypes.get_errno()
text = os.read(fd, 65536).decode()
os.close(fd)
assert f"\nTgid:\t{pid}\n" in text, text[:200]
print("libc //proc/./self/status ok")
