"""Races against calls the supervisor lets continue as the agent's own once
confirmed under a freeze: `O_PATH` opens and Unix-socket connects and sends
(the attack_frozen_* agents; not an agent itself: the runner takes only
integration/agents/*.py).

What the kernel reads after the check is changed two ways: `Flipper`
rewrites the call's buffer (the path of an open, a sockaddr) from a thread of
the caller's process, `Swapper` re-points a symlink on the way from a child
process, with raw syscalls. Both alternate an allowed and a blocked value;
Under --backstop kill the first judgement of the blocked value ends the
agent, so there the race is aimed instead: given `delays` (ns), the thread or
child sleeps until the agent is about to enter its call (`TRIGGER`, a pipe
shared with the child), lets the next delay pass, then switches to the
blocked value and back: the judgement, made first, mostly sees the allowed
value, and the switch sweeps the moments after it. Every loop is bounded.

`caught(what)` runs whenever the agent reached the blocked side (its O_PATH
descriptor reads back as the blocked file, its socket's peer is the blocked
socket, the blocked receiver got data): it opens WORK/bypass-marker, a
hook-layer decision the supervisor logs before the agent goes on, so a kill
right after cannot hide it. The tests assert that no event names that file.
"""

import ctypes
import errno
import os
import re
import socket
import struct
import sys
import threading
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_openat, SYS_renameat, SYS_symlinkat, AT_FDCWD = 257, 264, 266, -100
SUN_LEN = 110
WORK = os.environ["IRONGATE_TEST_WORK"]
MARKER = os.path.join(WORK, "bypass-marker")
sys.setswitchinterval(1e-6)


class Trigger:
    """Wakes an aimed racer (a thread, or a child: the pipes are inherited)
    just before each call; a racer that `settles` (a child, whose switch
    back takes a while) says when it is done, and the next call waits."""

    def __init__(self):
        self.r, self.w = os.pipe()
        self.done_r, self.done_w = os.pipe()
        self.on = self.settles = False

    def fire(self):
        if self.on:
            os.write(self.w, b"x")

    def wait(self):
        os.read(self.r, 1)

    def settled(self):
        if self.on and self.settles:
            os.read(self.done_r, 1)


TRIGGER = Trigger()


#: Delays of an aimed race (ns after the call was entered): mostly past the
#: judgement, sweeping the window in which the kernel looks again. A child
#: competes with the agent for a CPU as it wakes: it starts later.
DELAYS = list(range(15_000, 400_000, 7_000))
SWAP_DELAYS = list(range(80_000, 400_000, 7_000))


def spin(ns):
    t0 = time.perf_counter_ns()
    while time.perf_counter_ns() - t0 < ns:
        pass


def caught(what):
    """Leaves a logged trace of a bypass (see the module comment)."""
    print("BYPASS:", what, flush=True)
    with open(MARKER, "a") as f:
        f.write(what + "\n")


class Stats:
    def __init__(self):
        self.allowed = self.denied = self.other = self.blocked = 0

    def report(self, name):
        print(f"{name} blocked reached: {self.blocked}", flush=True)
        print(f"{name} allowed > 0: {self.allowed > 0}", flush=True)
        print(f"{name} denied > 0: {self.denied > 0}", flush=True)
        print(f"{name}: allowed={self.allowed} denied={self.denied} other={self.other}", file=sys.stderr)


class Flipper:
    """A thread writing `blocked`, then `allowed`, into `buf`: over and over,
    or once per armed call after the next of `delays`."""

    def __init__(self, buf, allowed, blocked, delays=None):
        n = ctypes.sizeof(buf)
        self.buf, self.n, self.delays = buf, n, delays
        self.a = ctypes.create_string_buffer(allowed, n)
        self.b = ctypes.create_string_buffer(blocked, n)
        ctypes.memmove(buf, self.a, n)
        self.done = threading.Event()
        self.t = threading.Thread(target=self._run)

    def _run(self):
        i = 0
        while not self.done.is_set():
            if self.delays is not None:
                TRIGGER.wait()
                spin(self.delays[i % len(self.delays)])
                i += 1
            ctypes.memmove(self.buf, self.b, self.n)
            ctypes.memmove(self.buf, self.a, self.n)

    def __enter__(self):
        TRIGGER.on = self.delays is not None
        self.t.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        if TRIGGER.on:
            os.write(TRIGGER.w, b"x")
        TRIGGER.on = False
        self.t.join()
        ctypes.memmove(self.buf, self.a, self.n)


class Swapper:
    """A child process re-pointing symlink `link` at `blocked`, then at
    `allowed` (symlinkat + renameat, at most `limit` times): over and over,
    or once per armed call after the next of `delays`."""

    def __init__(self, link, allowed, blocked, delays=None, limit=20000):
        self.link, self.allowed, self.blocked = link, allowed, blocked
        self.delays, self.limit = delays, limit
        os.symlink(allowed, link)

    def __enter__(self):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(w)
            os.set_blocking(r, False)
            tmp = (self.link + ".tmp").encode()
            link = self.link.encode()

            def point(target):
                libc.syscall(SYS_symlinkat, target, AT_FDCWD, tmp)
                libc.syscall(SYS_renameat, AT_FDCWD, tmp, AT_FDCWD, link)

            for i in range(self.limit):
                if self.delays is not None:
                    TRIGGER.wait()
                try:
                    if os.read(r, 1) == b"":
                        break
                except BlockingIOError:
                    pass
                if self.delays is not None:
                    spin(self.delays[i % len(self.delays)])
                point(self.blocked.encode())
                point(self.allowed.encode())
                if self.delays is not None:
                    os.write(TRIGGER.done_w, b"x")
            os._exit(0)
        os.close(r)
        self.pid, self.w = pid, w
        TRIGGER.on = TRIGGER.settles = self.delays is not None
        return self

    def __exit__(self, *exc):
        os.close(self.w)
        if TRIGGER.on:
            os.write(TRIGGER.w, b"x")
        TRIGGER.on = TRIGGER.settles = False
        os.waitpid(self.pid, 0)
        os.symlink(self.allowed, self.link + ".tmp")
        os.replace(self.link + ".tmp", self.link)


def o_path_open(path, raw):
    """One O_PATH open of `path` (a ctypes buffer or bytes): through libc
    (`raw`, judged at the kernel layer alone) or os.open (the hook's note).
    Returns the descriptor or -errno."""
    if raw:
        fd = libc.syscall(SYS_openat, AT_FDCWD, path, os.O_PATH | os.O_CLOEXEC)
        return fd if fd >= 0 else -ctypes.get_errno()
    try:
        return os.open(path, os.O_PATH)
    except PermissionError:
        # The hook layer's refusal carries its reason, not always an errno.
        return -errno.EACCES
    except OSError as e:
        return -e.errno


def progress(i):
    if i and i % 100 == 0:
        print(f"{i} attempts", file=sys.stderr, flush=True)


def o_path_attempts(stats, path, attempts, raw_every=1):
    """`attempts` O_PATH opens of `path`; every `raw_every`-th through libc."""
    for i in range(attempts):
        progress(i)
        raw = i % raw_every == 0
        TRIGGER.fire()
        fd = o_path_open(path if raw else bytes(path).rstrip(b"\0"), raw)
        TRIGGER.settled()
        if fd >= 0:
            target = os.readlink(f"/proc/self/fd/{fd}")
            os.close(fd)
            if "/blocked/" in target:
                stats.blocked += 1
                caught(f"O_PATH descriptor on {target}")
            else:
                stats.allowed += 1
        elif fd == -errno.EACCES:
            stats.denied += 1
        else:
            stats.other += 1


def sockaddr(path):
    """A sockaddr_un for `path` (bytes), NUL-padded to its full size."""
    return struct.pack("=H", socket.AF_UNIX) + path.ljust(SUN_LEN - 2, b"\0")


def listener(path, kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_UNIX, kind)
    s.bind(path)
    if kind != socket.SOCK_DGRAM:
        s.listen(4096)
    s.setblocking(False)
    return s


def drain(s):
    """Connections accepted (or datagrams received) on `s` right now."""
    n = 0
    while True:
        try:
            if s.type == socket.SOCK_DGRAM:
                s.recv(16)
            else:
                s.accept()[0].close()
            n += 1
        except BlockingIOError:
            return n


def connect_attempts(stats, buf, attempts, kind=socket.SOCK_STREAM, servers=()):
    """`attempts` raw libc connects to the sockaddr in `buf`; a connection
    whose peer is a blocked socket is a bypass. `servers` are drained as it
    goes (their backlog must not fill up)."""
    for i in range(attempts):
        progress(i)
        s = socket.socket(socket.AF_UNIX, kind)
        TRIGGER.fire()
        rc = libc.connect(s.fileno(), buf, SUN_LEN)
        TRIGGER.settled()
        if rc == 0:
            peer = s.getpeername()
            if "/blocked/" in str(peer):
                stats.blocked += 1
                caught(f"connected to {peer}")
            else:
                stats.allowed += 1
        elif ctypes.get_errno() == errno.EACCES:
            stats.denied += 1
        else:
            stats.other += 1
        s.close()
        for srv in servers:
            got = drain(srv)
            if got and "/blocked/" in str(srv.getsockname()):
                stats.blocked += got
                caught(f"{got} connection(s) accepted by {srv.getsockname()}")


def sendto_attempts(stats, buf, attempts, ok, blocked):
    """`attempts` raw libc sendto calls of one datagram to the sockaddr in
    `buf`; a datagram the blocked receiver gets is a bypass."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    for _ in range(attempts):
        if libc.sendto(s.fileno(), b"x", 1, 0, buf, SUN_LEN) == 1:
            stats.allowed += 1
        elif ctypes.get_errno() == errno.EACCES:
            stats.denied += 1
        else:
            stats.other += 1
        drain(ok)
        got = drain(blocked)
        if got:
            stats.blocked += got
            caught(f"{got} datagram(s) reached the blocked receiver")
    s.close()


def ipc_socket():
    """This run's IPC socket (the supervisor is the parent), from
    /proc/self/net/unix: any process can list bound Unix socket paths."""
    pat = re.compile(rf"/irongate-{os.getppid()}-[0-9a-f]{{8}}/sock$")
    # /proc/net is a link to self/net, which the supervisor would resolve as
    # its own: the agent names its own entry.
    with open("/proc/self/net/unix") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 8 and pat.search(parts[7]):
                return parts[7].encode()
    return None


def blocked_last(attempt):
    """One raw attempt on the blocked value itself (`attempt()`): under
    --backstop kill the agent ends here at the latest."""
    print("final blocked attempt", flush=True)
    attempt()
    print("after the final blocked attempt", flush=True)
