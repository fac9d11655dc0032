# Sockaddr-buffer race on a performed connect: thread B flips the address in a ctypes sockaddr buffer
# between 127.0.0.2 (allowed by this run's policy) and 127.0.0.3 (denied) while thread A calls raw libc
# connect() on fresh sockets with that buffer, 1500 times. The agent itself listens on both addresses (same
# port) and counts what arrives. The supervisor connects the agent's socket (taken with pidfd_getfd) to its
# own copy of the address it judged: the 127.0.0.3 listener never accepts anything.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/k_net.json"], "exit": 0, "timeout": 120, "stdout": ["accepted on 127.0.0.3: 0", "peer 127.0.0.3 seen: 0", "allowed > 0: True", "denied > 0: True"]}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "default-deny"}, "action": {"type": "network", "subtype": "connect", "ip": "127.0.0.3"}}
# event: {"decision": "allow", "layer": "syscall", "unexplained": true, "rule": {"name": "only-127-0-0-2"}, "action": {"type": "network", "subtype": "connect", "ip": "127.0.0.2"}}
# no-event: {"decision": "allow", "action": {"type": "network", "subtype": "connect", "ip": "127.0.0.3"}}
import ctypes
import errno
import select
import socket
import struct
import sys
import threading

sys.setswitchinterval(1e-6)
libc = ctypes.CDLL(None, use_errno=True)
l2 = socket.socket()
l2.bind(("127.0.0.2", 0))
port = l2.getsockname()[1]
l3 = socket.socket()
l3.bind(("127.0.0.3", port))
accepted = {"127.0.0.2": 0, "127.0.0.3": 0}
stop = threading.Event()
for s in (l2, l3):
    s.listen(4096)
    s.setblocking(False)


def acceptor():
    ls = {l2: "127.0.0.2", l3: "127.0.0.3"}
    while not stop.is_set() or select.select(list(ls), [], [], 0.2)[0]:
        for l in select.select(list(ls), [], [], 0.05)[0]:
            try:
                l.accept()[0].close()
                accepted[ls[l]] += 1
            except BlockingIOError:
                pass


head = struct.pack("<H", socket.AF_INET) + struct.pack(">H", port)
GOOD = head + socket.inet_aton("127.0.0.2") + b"\0" * 8
BAD = head + socket.inet_aton("127.0.0.3") + b"\0" * 8
buf = ctypes.create_string_buffer(GOOD, 16)
flips = 0


def flipper():
    global flips
    while not stop.is_set():
        ctypes.memmove(ctypes.addressof(buf) + 4, (BAD if flips % 2 == 0 else GOOD)[4:8], 4)
        flips += 1


acc = threading.Thread(target=acceptor)
acc.start()
fl = threading.Thread(target=flipper)
fl.start()
allowed = denied = other = peer_bad = 0
for i in range(1500):
    s = socket.socket()
    r = libc.connect(s.fileno(), buf, 16)
    e = ctypes.get_errno()
    if r == 0:
        allowed += 1
        if s.getpeername()[0] == "127.0.0.3":
            peer_bad += 1
    elif e == errno.EACCES:
        denied += 1
    else:
        other += 1
    s.close()
stop.set()
fl.join()
acc.join()
print("accepted on 127.0.0.3:", accepted["127.0.0.3"])
print("peer 127.0.0.3 seen:", peer_bad)
print("allowed > 0:", allowed > 0)
print("denied > 0:", denied > 0)
print(f"allowed={allowed} denied={denied} other={other} flips={flips} accepted={accepted}", file=sys.stderr)
