# AF_VSOCK reaches the host (hypervisor) outside any network namespace or policy on addresses: creating
# such a socket is refused with EPERM, from Python and from libc alike.
# irongate: {"exit": 0, "stdout": ["python socket(AF_VSOCK): PermissionError", "libc socket(AF_VSOCK)=-1 errno=EPERM"]}
import ctypes
import errno
import socket

AF_VSOCK = 40
try:
    socket.socket(AF_VSOCK, socket.SOCK_STREAM)
    print("python socket(AF_VSOCK): created")
except PermissionError:
    print("python socket(AF_VSOCK): PermissionError")
except OSError as e:
    print("python socket(AF_VSOCK):", errno.errorcode.get(e.errno))
libc = ctypes.CDLL(None, use_errno=True)
r = libc.socket(AF_VSOCK, socket.SOCK_STREAM, 0)
print(f"libc socket(AF_VSOCK)={r} errno={errno.errorcode.get(ctypes.get_errno())}")
