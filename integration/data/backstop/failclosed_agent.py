# Run by tests/backstop_failclosed.rs (--profile trusted, built-in policy): opens a marker file (an
# allowed write), then asks libc for .env — a sensitive read, held for review in the kernel. The test
# kills the supervisor while the call is held. Anything this script writes after the open returns goes
# to the marker through a descriptor it already holds (write(2) is not trapped).
import ctypes
import os

marker = os.open("marker.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
libc = ctypes.CDLL(None, use_errno=True)
print("holding", os.getpid(), flush=True)
fd = libc.open(b".env", os.O_RDONLY)
err = ctypes.get_errno()
data = os.read(fd, 64) if fd >= 0 else b""
os.write(marker, f"returned fd={fd} errno={err} data={data!r}\n".encode())
print("returned", fd, err, data, flush=True)
