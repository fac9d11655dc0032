# The run directory (the launcher that sys.executable names, the IPC socket) belongs to IronGate: never
# writable by the agent, even under a policy that allows every write under /tmp, where it lives.
# From libc: unlinking the launcher, creating a file beside it, renaming its bin/ directory away are all
# refused (irongate_state) and logged unexplained; the launcher still works afterwards.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["run dir under /tmp: True", "unlink launcher=-1 errno=EACCES", "create beside it=-1 errno=EACCES", "rename bin=-1 errno=EACCES", "launcher intact: True", "child python: ok"]}
# event: {"count": 3, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_state"}
# no-event: {"decision": "allow", "action": {"path": "re:^/tmp/irongate-"}}
import ctypes
import errno
import os
import subprocess
import sys

libc = ctypes.CDLL(None, use_errno=True)
launcher = sys.executable
bindir = os.path.dirname(launcher)
print("run dir under /tmp:", launcher.startswith("/tmp/"))
before = os.readlink(launcher)


def err(r):
    return errno.errorcode.get(ctypes.get_errno()) if r < 0 else None


r = libc.unlink(launcher.encode())
print(f"unlink launcher={r} errno={err(r)}")
r = libc.open(os.path.join(bindir, "evil").encode(), os.O_WRONLY | os.O_CREAT, 0o755)
print(f"create beside it={r} errno={err(r)}")
r = libc.rename(bindir.encode(), (bindir + ".moved").encode())
print(f"rename bin={r} errno={err(r)}")
print("launcher intact:", os.readlink(launcher) == before)
p = subprocess.run([sys.executable, "-c", "print('ok')"], capture_output=True, text=True)
print("child python:", p.stdout.strip() or p.stderr.strip()[-200:])
