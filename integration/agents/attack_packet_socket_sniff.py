# Reading every process's network traffic (review 7; NOT FIXED: this agent fails until it is). socket() is
# allowed for every family but AF_VSOCK: an agent with CAP_NET_RAW (root without --isolate) opens
# socket(AF_PACKET, SOCK_RAW, ETH_P_ALL) — no bind, no connect, nothing notified, no row — and receives a
# copy of every frame of every interface, loopback included. Reproduced by hand: another process's HTTP
# request on 127.0.0.1 (an "Authorization: Bearer …" header, what a browser sends a standalone dashboard)
# was read by the agent in full. A raw IP socket (AF_INET, SOCK_RAW) sees every TCP/UDP packet the same way.
# Expected once fixed: the packet socket is refused (or judged as a network socket action) at the kernel
# layer; this agent then prints PermissionError.
# irongate: {"args": ["--profile", "trusted"], "exit": 0, "stdout": ["AF_PACKET socket: PermissionError"], "timeout": 60}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
AF_PACKET, SOCK_RAW, ETH_P_ALL_BE = 17, 3, 0x0300
if os.geteuid() != 0:
    print("AF_PACKET socket: PermissionError (not root: no CAP_NET_RAW)", flush=True)
else:
    fd = libc.socket(AF_PACKET, SOCK_RAW, ETH_P_ALL_BE)  # native: no audit event either
    e = ctypes.get_errno()
    if fd >= 0:
        print("AF_PACKET socket: opened, receiving every interface's frames", flush=True)
        os.close(fd)
    else:
        print("AF_PACKET socket:", "PermissionError" if e in (errno.EPERM, errno.EACCES) else errno.errorcode.get(e, e), flush=True)
