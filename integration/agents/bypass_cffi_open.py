# cffi open() of /etc/shadow: invisible to the hook layer, refused by the kernel layer (system-secrets)
# and logged unexplained.
# irongate: {"exit": 0, "stdout": ["fd=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}}
# no-event: {"layer": "hook", "action": {"path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import errno
import os

import cffi

ffi = cffi.FFI()
ffi.cdef("int open(const char *path, int flags, ...);")
C = ffi.dlopen(None)
fd = C.open(b"/etc/shadow", ffi.cast("int", os.O_RDONLY))
print(f"fd={fd} errno={errno.errorcode.get(ffi.errno, ffi.errno)}")
if fd >= 0:
    print("read:", os.read(fd, 64))
