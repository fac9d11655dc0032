# Every decision is logged once even when the agent ends abruptly right after it (the audit writer is
# no longer woken per event). A forked child makes 400 noted opens of distinct missing files and
# SIGKILLs itself; the parent then makes 400 more and leaves with os._exit(0). All 800 reads are in
# the log, each once, and the chain is one run's.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 120, "stdout": ["child killed: True"]}
# event: {"count": 400, "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "re:^{WORK}/gone-child-[0-9]+$"}}
# event: {"count": 400, "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "re:^{WORK}/gone-parent-[0-9]+$"}}
import os
import signal
import sys


def opens(who):
    for i in range(400):
        try:
            open(f"gone-{who}-{i}").close()
        except FileNotFoundError:
            pass


pid = os.fork()
if pid == 0:
    opens("child")
    os.kill(os.getpid(), signal.SIGKILL)
_, status = os.waitpid(pid, 0)
print("child killed:", os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, flush=True)
opens("parent")
sys.stdout.flush()
os._exit(0)
