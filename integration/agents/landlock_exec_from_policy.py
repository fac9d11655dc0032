# Execution under the Landlock layer is derived from the policy as well as the profile (issue 12): `trusted` grants
# process.exec, but the policy's only process rule that can allow pins `executable: /usr/bin/true`, so the kernel
# lets the agent execute that (and the runtime's own programs) and nothing else. subprocess.run of /usr/bin/true
# is allowed and runs; a native execve of /usr/bin/echo, which the backstop only records under --backstop audit,
# is refused by the kernel itself (EACCES) and the process goes on.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/exec-only-true.json", "--backstop", "audit"], "exit": 0, "stdout": ["true: 0", "echo: refused EACCES"]}
# event: {"layer": "hook", "decision": "allow", "rule": {"name": "true-only"}, "action": {"type": "process", "executable": "/usr/bin/true"}}
# event: {"count": 1, "layer": "syscall", "unexplained": true, "decision": "block", "rule": {"name": "default-deny"}, "action": {"type": "process", "subtype": "exec", "executable": "/usr/bin/echo"}}
import ctypes
import errno
import subprocess
import sys

print("true:", subprocess.run(["/usr/bin/true"]).returncode, flush=True)
libc = ctypes.CDLL(None, use_errno=True)
argv = (ctypes.c_char_p * 3)(b"echo", b"echo ran", None)
rc = libc.execv(b"/usr/bin/echo", argv)
print("echo:", "refused" if rc else "?", errno.errorcode.get(ctypes.get_errno()))
sys.stdout.flush()
