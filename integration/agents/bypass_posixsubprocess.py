# _posixsubprocess.fork_exec (3.11 arity) raises no audit event (audit-hooks.md 2.1): the child it forks
# execs /bin/sh unseen by the hook. The kernel layer refuses that unexplained execve (`sandboxed`: no
# process.exec); the child reports the errno through the error pipe and the command never runs.
# irongate: {"exit": 0, "stdout": ["child exec failed: OSError:13", "marker exists: False"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "exec", "executable": "re:^(/usr)?/bin/(da)?sh$", "argv": ["/bin/sh", "-c", "echo pwned > marker.txt"]}}
# no-event: {"action": {"type": "process", "subtype": "spawn"}}
# no-event: {"decision": "allow", "action": {"type": "process"}}
import os
import subprocess

import _posixsubprocess

errread, errwrite = os.pipe()
pid = _posixsubprocess.fork_exec(
    [b"/bin/sh", b"-c", b"echo pwned > marker.txt"], [b"/bin/sh"], True, (errwrite,), None, None,
    -1, -1, -1, -1, -1, -1, errread, errwrite, False, False, -1, None, None, None, -1, None,
    subprocess._USE_VFORK,
)
os.close(errwrite)
report = os.read(errread, 256)
os.close(errread)
_, status = os.waitpid(pid, 0)
if report:
    kind, _, rest = report.partition(b":")
    print(f"child exec failed: {kind.decode()}:{int(rest.split(b':')[0], 16)}")
else:
    print("child exec succeeded, status", status)
print("marker exists:", os.path.exists("marker.txt"))
