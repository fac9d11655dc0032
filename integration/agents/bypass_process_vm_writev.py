# Writing another process's memory directly: process_vm_writev into the supervisor (os.getppid()) — and
# even into the agent itself — is refused with EPERM; process_vm_readv likewise.
# irongate: {"exit": 0, "stdout": ["process_vm_writev(supervisor)=-1 errno=EPERM", "process_vm_writev(self)=-1 errno=EPERM", "process_vm_readv(supervisor)=-1 errno=EPERM", "buffer unchanged: True"]}
import ctypes
import errno
import os


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_process_vm_readv, SYS_process_vm_writev = 310, 311
src = ctypes.create_string_buffer(b"\0" * 16)
dst = ctypes.create_string_buffer(b"ORIGINAL-CONTENT")
local = IoVec(ctypes.cast(src, ctypes.c_void_p), 16)
remote_self = IoVec(ctypes.cast(dst, ctypes.c_void_p), 16)
remote_sup = IoVec(0x400000, 16)
for name, nr, pid, remote in (
    ("process_vm_writev(supervisor)", SYS_process_vm_writev, os.getppid(), remote_sup),
    ("process_vm_writev(self)", SYS_process_vm_writev, os.getpid(), remote_self),
    ("process_vm_readv(supervisor)", SYS_process_vm_readv, os.getppid(), remote_sup),
):
    r = libc.syscall(nr, pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
    print(f"{name}={r} errno={errno.errorcode.get(ctypes.get_errno())}")
print("buffer unchanged:", dst.raw[:16] == b"ORIGINAL-CONTENT")
