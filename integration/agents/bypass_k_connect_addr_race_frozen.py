# A thread rewrites the address buffer of a ctypes connect while the call is held: 127.0.0.2 (allowed by k_net.json)
# and 127.0.0.1 (blocked) alternate in memory. Performed on the agent's behalf (pidfd_getfd), the supervisor connects
# its own copy; under Docker's default profile (no pidfd_getfd; scripts/docker-like) the call is continued with the
# agent's tree frozen and its address read again. Either way no connection may ever reach the 127.0.0.1 listener.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/k_net.json"], "exit": 0, "stdout": ["forbidden accepted: 0", "allowed some: True"]}
import ctypes
import socket
import struct
import threading

libc = ctypes.CDLL(None, use_errno=True)
allowed = socket.socket()
allowed.bind(("127.0.0.2", 0))
allowed.listen(512)
port = allowed.getsockname()[1]
forbidden = socket.socket()
forbidden.bind(("127.0.0.1", port))
forbidden.listen(512)
forbidden.setblocking(False)
allowed.setblocking(False)

addr = ctypes.create_string_buffer(struct.pack("!HH4s8x", socket.AF_INET, port, bytes([127, 0, 0, 2])), 16)
# sockaddr_in's family is host order.
addr[0:2] = struct.pack("=H", socket.AF_INET)
stop = False


def flip():
    while not stop:
        addr[7] = 1
        addr[7] = 2


t = threading.Thread(target=flip)
t.start()
ok = 0
for _ in range(200):
    s = socket.socket()
    if libc.connect(s.fileno(), addr, 16) == 0:
        ok += 1
    s.close()
stop = True
t.join()


def drain(lst):
    n = 0
    while True:
        try:
            c, _ = lst.accept()
            c.close()
            n += 1
        except BlockingIOError:
            return n


print("forbidden accepted:", drain(forbidden))
print("allowed some:", drain(allowed) > 0 or ok > 0)
