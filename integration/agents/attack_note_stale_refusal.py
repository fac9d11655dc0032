# A refusal's message names the open it refused, never an earlier one. `_io.open("/etc/shadow")`
# (below the bootstrap's wrappers) is refused on the thread's note with a plain EACCES, so its message
# is kept and never asked for. The agent then re-registers its thread's note to a buffer of its own
# (a forged hello on a raw connection), so its next Python open, of a forbidden file, is judged at the
# kernel layer alone (unexplained, EACCES): the bootstrap's PermissionError for it must not carry the
# kept message about /etc/shadow (the refusal is asked for by the note's sequence number).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "files": {"forbidden.txt": "secret"}, "stdout": ["direct: errno 13", "re-registered: True", "second: errno 13 names shadow: False"]}
# event: {"count": 1, "decision": "block", "layer": "hook", "action": {"type": "file", "path": "/etc/shadow"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "Forbidden test file", "action": {"type": "file", "path": "{WORK}/forbidden.txt"}}
# no-event: {"decision": "allow", "action": {"path": "re:shadow|forbidden"}}
import _io
import ctypes
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import forged_note  # noqa: E402

try:
    _io.open("/etc/shadow", "rb")
except PermissionError as e:
    print("direct: errno", e.errno)

buf = forged_note.buffer()
print("re-registered:", forged_note.hello(ctypes.addressof(buf)).get("notes"))

try:
    open("forbidden.txt", "rb")
    print("second: opened")
except PermissionError as e:
    print("second: errno", e.errno, "names shadow:", "shadow" in str(e))
