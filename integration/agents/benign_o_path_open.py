# An O_PATH descriptor (no read or write access, only a handle for *at() calls and fstat) on an ordinary
# directory is a read under every policy and must simply work. The kernel layer cannot inject an O_PATH
# file with SECCOMP_IOCTL_NOTIF_ADDFD (the kernel's fget() refuses O_PATH files: EBADF); whatever the
# supervisor does instead, the call must be answered — never left hanging in the kernel (R-5: an ADDFD
# error is a denial, not silence).
# irongate: {"exit": 0, "timeout": 20, "stdout": ["O_PATH open: ok", "fstat is dir: True"], "files": {"sub/a.txt": "a"}}
# event: {"count": 1, "decision": "allow", "layer": "hook", "action": {"type": "file", "subtype": "read", "path": "{WORK}/sub"}}
# no-event: {"decision": "block"}
import os
import stat

fd = os.open("sub", os.O_PATH | os.O_DIRECTORY)
print("O_PATH open: ok")
print("fstat is dir:", stat.S_ISDIR(os.fstat(fd).st_mode))
