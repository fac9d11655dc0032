# The Landlock layer holds where the seccomp backstop only records (--backstop audit) and where it lets a call
# through (issue 12): under `sandboxed` with the built-in policy, a signal to a process outside the agent's domain
# (a sibling `sleep` of the same user) and a connect to an abstract Unix socket outside it (ABI 6 scoping) are
# refused by the kernel with EPERM, and so is a native execve of a program the policy cannot allow (EACCES);
# the sibling is still alive afterwards.
# irongate: {"args": ["--backstop", "audit"], "outside": true, "exit": 0, "stdout": ["signal: PermissionError", "libc kill: -1 EPERM", "abstract connect: -1 EPERM", "exec: refused EACCES", "sibling alive: True"]}
# event: {"layer": "syscall", "unexplained": true, "reason": "missing_capability:network.socket", "action": {"type": "network", "subtype": "connect"}}
# event: {"layer": "syscall", "unexplained": true, "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "exec", "executable": "/usr/bin/true"}}
import ctypes
import errno
import os
import signal
import socket

sib = int(os.environ["IRONGATE_TEST_SIBLING"])
name = os.environ["IRONGATE_TEST_ABSTRACT"].encode()
libc = ctypes.CDLL(None, use_errno=True)


def err():
    return errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno())


try:
    os.kill(sib, signal.SIGTERM)
    print("signal: delivered")
except OSError as e:
    print("signal:", type(e).__name__)
rc = libc.kill(sib, signal.SIGTERM)
print("libc kill:", rc, err() if rc else "")

fd = libc.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0)
assert fd >= 0, err()
addr = (ctypes.c_char * 110)()
ctypes.memmove(addr, (socket.AF_UNIX).to_bytes(2, "little") + b"\0" + name, 3 + len(name))
rc = libc.connect(fd, addr, 3 + len(name))
print("abstract connect:", rc, err() if rc else "")

print("sibling alive:", os.path.exists(f"/proc/{sib}"), flush=True)
# Last: if the exec went through, this process would become `true` and print nothing more.
argv = (ctypes.c_char_p * 2)(b"true", None)
rc = libc.execv(b"/usr/bin/true", argv)
print("exec:", "refused" if rc else "?", err())
