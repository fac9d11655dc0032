# Native code bypasses the audit hook but not the kernel layer (R-3, B.1-B.3): libc open of /etc/shadow via ctypes is blocked by system-secrets, of .env is held for review (times out), libc unlink is blocked for lack of file.delete, and cffi's system() exec of /bin/sh is blocked for lack of process.exec; each logged once at layer syscall with unexplained true.
# irongate: {"args": ["--review-timeout", "0.3"], "exit": 0, "stdout": ["shadow: -1 13", "env: -1 13", "unlink: -1 13", "victim: True", "cffi system: nonzero"], "files": {".env": "K=V", "victim.txt": "v"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}}
# event: {"count": 1, "layer": "syscall", "decision": "review", "unexplained": true, "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.env"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "unexplained": true, "reason": "missing_capability:file.delete", "action": {"type": "file", "subtype": "delete", "path": "{WORK}/victim.txt"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "unexplained": true, "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "exec", "cmd": "sh -c 'touch pwned'", "process_class": "binary"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "tamper", "subtype": "ctypes.dlopen"}}
# no-event: {"decision": "allow", "action": {"path": "re:(shadow|\\.env|victim)"}}
import ctypes
import os

from cffi import FFI

libc = ctypes.CDLL(None, use_errno=True)
work = os.environ["IRONGATE_TEST_WORK"]
for label, call in (
    ("shadow", lambda: libc.open(b"/etc/shadow", os.O_RDONLY)),
    ("env", lambda: libc.open((work + "/.env").encode(), os.O_RDONLY)),
    ("unlink", lambda: libc.unlink((work + "/victim.txt").encode())),
):
    ctypes.set_errno(0)
    rc = call()
    print(label + ":", rc, ctypes.get_errno())
print("victim:", os.path.exists("victim.txt"))
ffi = FFI()
ffi.cdef("int system(const char *);")
rc = ffi.dlopen(None).system(b"touch pwned")
print("cffi system:", "zero" if rc == 0 else "nonzero")
assert not os.path.exists("pwned")
