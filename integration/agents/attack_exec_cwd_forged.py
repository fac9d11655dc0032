# A hook-layer exec decision explains only an execve started in the directory it was decided on (R-4:
# executable, argv and cwd). Under a policy that forbids programs started in a directory whose path
# contains "no-programs", the agent forges an os.exec event for echo from its workspace (allowed at the
# hook layer), moves to such a directory and execve()s the same program and argv through libc: the
# real call has another cwd, is judged on its own and refused. subprocess with cwd= is decided with
# that directory at the hook layer (blocked there) and explained at the kernel layer where allowed.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["forged: execve=-1 errno=EACCES", "honest no-programs dir: PermissionError", "honest workspace: ok"]}
# event: {"count": 1, "decision": "allow", "layer": "hook", "action": {"type": "process", "subtype": "exec", "argv": ["/usr/bin/echo", "cwd"], "cwd": "{WORK}"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "no-program-dirs"}, "action": {"type": "process", "subtype": "exec", "cwd": "{WORK}/no-programs-dir"}}
# event: {"count": 1, "decision": "block", "layer": "hook", "rule": {"name": "no-program-dirs"}, "action": {"type": "process", "cwd": "{WORK}/no-programs-dir"}}
# event: {"count": 1, "decision": "allow", "layer": "hook", "action": {"type": "process", "argv": ["/usr/bin/echo", "ok"], "cwd": "{WORK}/sub"}}
# no-event: {"layer": "syscall", "unexplained": true, "action": {"type": "process", "argv": ["/usr/bin/echo", "ok"]}}
# no-event: {"decision": "allow", "action": {"type": "process", "cwd": "{WORK}/no-programs-dir"}}
import ctypes
import errno
import os
import subprocess
import sys

work = os.environ["IRONGATE_TEST_WORK"]
bad = os.path.join(work, "no-programs-dir")
sub = os.path.join(work, "sub")
os.makedirs(bad)
os.makedirs(sub)
libc = ctypes.CDLL(None, use_errno=True)

pid = os.fork()
if pid == 0:
    os.chdir(work)
    sys.audit("os.exec", "/usr/bin/echo", ["/usr/bin/echo", "cwd"], None)
    os.chdir(bad)
    argv = (ctypes.c_char_p * 3)(b"/usr/bin/echo", b"cwd", None)
    envp = (ctypes.c_char_p * 1)(None)
    r = libc.execve(b"/usr/bin/echo", argv, envp)
    print(f"forged: execve={r} errno={errno.errorcode.get(ctypes.get_errno())}", flush=True)
    os._exit(0)
os.waitpid(pid, 0)
try:
    subprocess.run(["/usr/bin/echo", "bad"], cwd=bad, capture_output=True)
    print("honest no-programs dir: ran")
except PermissionError:
    print("honest no-programs dir: PermissionError")
out = subprocess.run(["/usr/bin/echo", "ok"], cwd=sub, capture_output=True, text=True).stdout.strip()
print("honest workspace:", out)
