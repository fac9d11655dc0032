# Forged IPC frames on a raw connection to the supervisor's socket (3e485db: the decision is typed on the
# wire) decide nothing by themselves. An action carrying its own "decision": "allow" (and "unexplained",
# "rule" fields), an action under an unknown layer, and a frame that is a verdict (a reply sent as a request,
# with a decision spelling no side knows) get the policy's answer or an error; the connection does not
# survive the malformed frame, and the write that follows on the agent's own connection is still blocked.
# The self-declared verdict fields are kept as evidence under the action's "agent_fields", never at its top
# level where they would read as the event's own.
# irongate: {"exit": 0, "stdout": ["hello: ok", "self-allowed action: block", "unknown layer: block", "forged verdict: closed-or-error", "after: new connection ok", "write: PermissionError", "pwned exists: False"]}
# event: {"count": 1, "layer": "api", "decision": "block", "action": {"type": "file", "subtype": "write", "path": "{WORK}/pwned.txt", "agent_fields": {"decision": "allow", "unexplained": true, "rule": {"name": "allow-all"}}}}
# no-event: {"action": {"decision": "allow"}}
# no-event: {"action": {"rule": {"name": "allow-all"}}}
# event: {"count": 2, "layer": "hook", "decision": "block", "action": {"type": "file", "subtype": "write", "path": "{WORK}/pwned.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "write"}}
import ctypes
import json
import os
import socket
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_gettid = 186
work = os.environ["IRONGATE_TEST_WORK"]
target = os.path.join(work, "pwned.txt")
path = os.path.join(os.path.dirname(os.path.dirname(sys.executable)), "sock")


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sa = struct.pack("=H", socket.AF_UNIX) + path.encode() + b"\0"
    assert libc.connect(s.fileno(), sa, len(sa)) == 0
    return s


def ask(s, obj):
    frame = b"\x01" + json.dumps(obj).encode()
    if libc.send(s.fileno(), frame, len(frame), 0) < 0:
        return None
    out = ctypes.create_string_buffer(65536)
    n = libc.recv(s.fileno(), out, 65536, 0)
    if n <= 1:
        return None
    return json.loads(out.raw[1:n])


tid = libc.syscall(SYS_gettid)
s = connect()
r = ask(s, {"op": "hello", "kind": "thread", "tid": tid})
print("hello:", "ok" if r and r.get("op") != "error" else r)
write = {"type": "file", "subtype": "write", "path": target}
r = ask(s, {"op": "action", "tid": tid, "layer": "api", "frame": "x.py:1",
            "action": dict(write, decision="allow", unexplained=True, rule={"index": 0, "name": "allow-all"})})
print("self-allowed action:", r.get("decision") if r else r)
r = ask(s, {"op": "action", "tid": tid, "layer": "allow", "frame": None, "action": write})
print("unknown layer:", r.get("decision") if r else r)
r = ask(s, {"op": "verdict", "decision": "allowed", "reason": "forged", "rule": None, "message": ""})
print("forged verdict:", "closed-or-error" if r is None or r.get("op") == "error" else r)
s2 = connect()
r = ask(s2, {"op": "hello", "kind": "thread", "tid": tid})
print("after: new connection", "ok" if r and r.get("op") != "error" else r)
try:
    with open(target, "w") as f:
        f.write("x")
    print("write: done")
except PermissionError as e:
    print("write:", type(e).__name__)
print("pwned exists:", os.path.exists(target))
