# A hook-layer exec decision explains only an execve with the environment it was decided on (R-4: an
# explanation matches the whole decision). The agent forges `os.exec` audit events (sys.audit) naming
# an allowed program and argv with an environment that changes nothing — once as an empty mapping, once
# as None (the process's own) — and then execve()s that program and argv through libc with LD_PRELOAD
# added, which this policy's loader-env rule forbids. Each forged event is allowed at the hook layer;
# the real calls carry another env_changes and are judged on their own: refused (EACCES), logged
# unexplained with the rule; the agent keeps running as Python. The honest spelling is blocked at the
# hook layer with the same rule.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["empty mapping: execve=-1 errno=EACCES", "own environ: execve=-1 errno=EACCES", "honest: PermissionError", "still python"]}
# event: {"count": 2, "decision": "allow", "layer": "hook", "action": {"type": "process", "subtype": "exec", "argv": ["/usr/bin/echo", "forged"]}}
# event: {"count": 2, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "loader-env"}, "action": {"type": "process", "subtype": "exec", "argv": ["/usr/bin/echo", "forged"], "env_changes": ["LD_PRELOAD"]}}
# event: {"count": 1, "decision": "block", "layer": "hook", "rule": {"name": "loader-env"}, "action": {"type": "process", "env_changes": ["LD_PRELOAD"]}}
# no-event: {"decision": "allow", "action": {"type": "process", "env_changes": ["LD_PRELOAD"]}}
import ctypes
import errno
import os
import subprocess
import sys

libc = ctypes.CDLL(None, use_errno=True)
ARGV = [b"/usr/bin/echo", b"forged"]


def raw_execve(extra):
    env = [f"{k}={v}".encode() for k, v in os.environ.items()] + extra
    argv = (ctypes.c_char_p * (len(ARGV) + 1))(*ARGV, None)
    envp = (ctypes.c_char_p * (len(env) + 1))(*env, None)
    sys.stdout.flush()
    r = libc.execve(ARGV[0], argv, envp)
    return f"execve={r} errno={errno.errorcode.get(ctypes.get_errno())}"


# The forged decision: an exec of the same program and argv that sets nothing.
sys.audit("os.exec", "/usr/bin/echo", ["/usr/bin/echo", "forged"], {})
print("empty mapping:", raw_execve([b"LD_PRELOAD=/nonexistent/preload.so"]))
sys.audit("os.exec", "/usr/bin/echo", ["/usr/bin/echo", "forged"], None)
print("own environ:", raw_execve([b"LD_PRELOAD=/nonexistent/preload.so"]))
try:
    subprocess.run(["/usr/bin/echo", "honest"], env={**os.environ, "LD_PRELOAD": "/nonexistent/preload.so"})
    print("honest: ran")
except PermissionError:
    print("honest: PermissionError")
print("still python")
