# A flood of idle IPC connections must not take the supervisor down or make it decide open. The agent
# finds the supervisor's socket beside its launcher (sys.executable is <run dir>/bin/python, the
# socket is <run dir>/sock), raises its own descriptor limit and opens 1,200 connections from libc
# (each gives up after 2 s) that never say hello, then keeps them open while it works. The supervisor bounds connections per process
# and in all: those over the bound are closed at once, and the refusal is logged once as a system
# event. Decisions still happen and are logged: an allowed read works, a write outside the work area is
# blocked (PermissionError), and a new thread, which opens a new IPC connection, fails closed with
# PermissionError while the process holds its 64 connections; it never gets an unchecked open. After
# 10 s the idle connections are closed (logged once), and a new thread works again (its read decided
# and logged: three allowed reads in all).
# irongate: {"exit": 0, "timeout": 90, "files": {"a.txt": "hello"}, "stdout": ["connected some: True", "refused some: True", "read: hello", "write: PermissionError", "thread: PermissionError", "thread after idle timeout: hello", "after thread: hello"]}
# event: {"count": 1, "layer": "system", "reason": "re:^ipc_error: no hello within 10s"}
# event: {"count": 1, "layer": "system", "reason": "re:^ipc_refused: "}
# event: {"count": 3, "decision": "allow", "layer": "hook", "action": {"type": "file", "path": "re:/a\\.txt$"}}
# event: {"decision": "block", "layer": "hook", "action": {"type": "file", "path": "/etc/irongate-flood"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/irongate-flood"}}
import ctypes
import os
import resource
import socket
import struct
import sys
import threading
import time

sock_path = os.path.join(os.path.dirname(os.path.dirname(sys.executable)), "sock")
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
except (ValueError, OSError):
    pass

libc = ctypes.CDLL(None, use_errno=True)
addr = struct.pack("=H", socket.AF_UNIX) + sock_path.encode() + b"\0"
conns = []
failed = 0
# A connect the supervisor does not take within 2 s gives up (SO_SNDTIMEO bounds a Unix connect).
two_seconds = struct.pack("ll", 2, 0)
for _ in range(1200):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, two_seconds)
    if libc.connect(s.fileno(), addr, len(addr)) != 0:
        failed += 1
        s.close()
        continue
    s.setblocking(False)
    conns.append(s)
print("connected some:", len(conns) > 0)

# Give the supervisor time to accept (and refuse) them.
time.sleep(1.0)
refused = 0
for s in conns:
    try:
        if s.recv(1, socket.MSG_PEEK) == b"":
            refused += 1
    except BlockingIOError:
        pass
    except OSError:
        refused += 1
print("refused some:", refused + failed > 0)

with open("a.txt") as f:
    print("read:", f.read())
try:
    with open("/etc/irongate-flood", "w") as f:
        f.write("x")
    print("write: succeeded")
except PermissionError:
    print("write: PermissionError")
except OSError as e:
    print("write:", type(e).__name__, e)

result = []


def work():
    try:
        with open("a.txt") as f:
            result.append(f.read())
    except PermissionError:
        result.append("PermissionError")
    except OSError as e:
        result.append(f"{type(e).__name__}: {e}")


def in_new_thread():
    result.clear()
    t = threading.Thread(target=work)
    t.start()
    t.join()
    return result[0] if result else "nothing"


print("thread:", in_new_thread())
# Connections that never said hello are closed after 10 s: their slots are free again, and a new
# thread's connection is served.
time.sleep(11)
print("thread after idle timeout:", in_new_thread())
with open("a.txt") as f:
    print("after thread:", f.read())
for s in conns:
    s.close()
