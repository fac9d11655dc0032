# A process of the agent's tree that made itself non-dumpable (PR_SET_DUMPABLE 0, as ssh-agent and
# gpg-agent do) while the supervisor runs without CAP_SYS_PTRACE (a container's default profile): the
# supervisor cannot compare its memory with kcmp, but a non-dumpable process with the caller's ids
# cannot share the caller's dumpable memory, so the exec freeze does not try to stop it and the
# agent's programs still run, before, while and after it lives.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "drop_caps": ["sys_ptrace"], "exit": 0, "stdout": ["before: ok", "with a non-dumpable sibling: ok", "after: ok"]}
# no-event: {"decision": "block", "action": {"type": "process"}}
# no-event: {"decision": "block", "action": {"type": "tamper"}}
import ctypes
import os
import subprocess
import time

libc = ctypes.CDLL(None, use_errno=True)


def echo():
    return subprocess.run(["/usr/bin/echo", "ok"], capture_output=True, text=True).stdout.strip()


print("before:", echo())
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0
    os.write(w, b"x")
    time.sleep(30)
    os._exit(0)
os.read(r, 1)
try:
    print("with a non-dumpable sibling:", echo())
except OSError as e:
    print("with a non-dumpable sibling:", type(e).__name__, e)
os.kill(pid, 9)
os.waitpid(pid, 0)
print("after:", echo())
