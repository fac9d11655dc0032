# proc_owner is relative to the calling process: a `sleep` the agent started is its `descendant` (its
# /proc entry an ordinary read here), while for a child the agent forked, the agent itself is `other` — the
# child's read of its parent's environ goes to review (held until --review-timeout 0.2, then refused).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/proc-owner.json", "--review-timeout", "0.2"], "exit": 0, "stdout": ["child status: read", "forked child, parent environ: PermissionError", "forked child exit: 0"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "reads"}, "action": {"type": "file", "path": "re:^/proc/[0-9]+/status$", "proc_owner": "descendant"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "other-processes"}, "action": {"type": "file", "path": "re:^/proc/[0-9]+/environ$", "proc_owner": "other"}}
# no-event: {"decision": "allow", "action": {"path": "re:^/proc/[0-9]+/environ$"}}
import os
import subprocess

child = subprocess.Popen(["sleep", "30"])
with open(f"/proc/{child.pid}/status") as f:
    print("child status:", "read" if f.read().startswith("Name:") else "?")
child.kill()
child.wait()

parent = os.getpid()
pid = os.fork()
if pid == 0:
    try:
        with open(f"/proc/{parent}/environ", "rb") as f:
            f.read()
        print("forked child, parent environ: read", flush=True)
    except OSError as e:
        print("forked child, parent environ:", type(e).__name__, flush=True)
    os._exit(0)
_, status = os.waitpid(pid, 0)
print("forked child exit:", os.waitstatus_to_exitcode(status))
