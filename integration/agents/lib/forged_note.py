"""Forged open notes for the attack agents (not an agent itself: the runner
takes only integration/agents/*.py).

`hello(addr)` registers any address as the calling thread's note, with a
hello sent on a raw socket to the supervisor (through libc, so no audit event
tells the hook); `note_bytes` lays a note out as `ipc::note` does.
"""

import ctypes
import json
import os
import socket
import struct
import sys

#: ipc::note::SIZE; the tool-end counter follows it.
SIZE = 48 + 1024 + 240
SYS_gettid = 186

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
# The registering connections stay open: a closed one forgets its note.
_conns = []


def buffer():
    """A note-sized buffer (and its tool-end counter) in this process."""
    return ctypes.create_string_buffer(SIZE + 8)


def hello(addr):
    """Registers `addr` as this thread's note; returns the welcome reply."""
    path = os.path.join(os.path.dirname(os.path.dirname(sys.executable)), "sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sa = struct.pack("=H", socket.AF_UNIX) + path.encode() + b"\0"
    assert _libc.connect(s.fileno(), sa, len(sa)) == 0
    req = {"op": "hello", "kind": "thread", "tid": _libc.syscall(SYS_gettid), "note": addr}
    frame = b"\x01" + json.dumps(req).encode()
    _libc.send(s.fileno(), frame, len(frame), 0)
    out = ctypes.create_string_buffer(65536)
    n = _libc.recv(s.fileno(), out, 65536, 0)
    _conns.append(s)
    return json.loads(out.raw[1:n])


def note_bytes(seq, path, flags=os.O_RDONLY, dir_fd=-1, valid=1, frame=b"agent.py:1"):
    """A note for `path`, as the hook would write it."""
    b = bytearray(SIZE)
    struct.pack_into("=QqqBBHH", b, 0, seq, flags, dir_fd, valid, 0, len(path), len(frame))
    b[48:48 + len(path)] = path
    b[1072:1072 + len(frame)] = frame
    return bytes(b)
