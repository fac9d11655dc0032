"""Shared set-up of the agents that give a Unix socket a name with no judged bind."""
import os
import socket


def try_abstract_bind(name):
    """An explicit abstract bind: the policies of these agents refuse it."""
    a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        a.bind(name)
        print("abstract bind: bound", flush=True)
    except OSError as e:
        print("abstract bind:", type(e).__name__, flush=True)
    a.close()


def autobound_by_refused_connect(path, kind=socket.SOCK_STREAM):
    """A socket the kernel autobinds to an abstract name at a connect that
    fails: SO_PASSCRED, and a socket file at `path` (a bind below /tmp/ is
    allowed) that nobody listens on (ECONNREFUSED)."""
    dead = socket.socket(socket.AF_UNIX, kind)
    try:
        os.unlink(path)
    except OSError:
        pass
    dead.bind(path)
    dead.close()
    s = socket.socket(socket.AF_UNIX, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    try:
        s.connect(path)
        print("connect: connected?", flush=True)
    except OSError as e:
        print("connect:", type(e).__name__, e.errno, "name now", repr(s.getsockname()), flush=True)
    return s
