# A sensitive read from native code: libc open() of .env is unexplained; the built-in policy sends it to
# review (sensitive-files), so the syscall is held in the kernel until the review times out
# (--review-timeout 0.3) and is then refused. The content is never read.
# irongate: {"args": ["--review-timeout", "0.3"], "exit": 0, "stdout": ["fd=-1 errno=EACCES", "held for >= 0.3 s: True"], "files": {".env": "API_KEY=hunter2"}}
# event: {"count": 1, "decision": "review", "layer": "syscall", "unexplained": true, "rule": {"name": "sensitive-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.env"}}
# event: {"count": 1, "decision": "block", "layer": "review", "review": {"verdict": "block", "timeout": true}, "action": {"path": "{WORK}/.env"}}
# no-event: {"decision": "allow", "action": {"path": "{WORK}/.env"}}
import ctypes
import errno
import os
import time

libc = ctypes.CDLL(None, use_errno=True)
t = time.monotonic()
fd = libc.open(b".env", os.O_RDONLY)
held = time.monotonic() - t
print(f"fd={fd} errno={errno.errorcode.get(ctypes.get_errno()) if fd < 0 else None}")
print("held for >= 0.3 s:", held >= 0.3)
