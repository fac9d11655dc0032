# Namespace creation is refused: unshare(CLONE_NEWUSER) — a user namespace would give the agent
# root-like capabilities over new mount and network namespaces — fails with EPERM and the agent stays in
# its original user namespace. Also unshare(CLONE_NEWNS|CLONE_NEWNET).
# irongate: {"exit": 0, "stdout": ["unshare(NEWUSER)=-1 errno=EPERM", "unshare(NEWNS|NEWNET)=-1 errno=EPERM", "same user namespace: True"]}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
before = os.stat("/proc/self/ns/user").st_ino
r = libc.unshare(CLONE_NEWUSER)
print(f"unshare(NEWUSER)={r} errno={errno.errorcode.get(ctypes.get_errno())}")
r = libc.unshare(CLONE_NEWNS | CLONE_NEWNET)
print(f"unshare(NEWNS|NEWNET)={r} errno={errno.errorcode.get(ctypes.get_errno())}")
print("same user namespace:", os.stat("/proc/self/ns/user").st_ino == before)
