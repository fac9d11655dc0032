# Programs started with a changed environment are decided once, at the hook layer, with the names
# they set (env_changes), and their execve is explained by that decision: an env mapping passed to
# subprocess, a variable set in os.environ before a spawn that inherits it, and os.posix_spawn passed
# os.environ itself (a mapping, not a dict).
# The kernel layer derives the same env_changes from the real envp, so no unexplained row appears.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["mapping: mapped", "inherited: inherited", "posix_spawn: 0", "unchanged: plain"]}
# event: {"count": 1, "decision": "allow", "layer": "hook", "action": {"type": "process", "argv": ["/usr/bin/echo", "mapped"], "env_changes": ["IRONGATE_TEST_MAPPED"]}}
# event: {"count": 1, "decision": "allow", "layer": "hook", "action": {"type": "process", "argv": ["/usr/bin/echo", "inherited"], "env_changes": ["IRONGATE_TEST_SET"]}}
# event: {"count": 1, "decision": "allow", "layer": "hook", "action": {"type": "process", "argv": ["/usr/bin/echo", "spawned"], "env_changes": ["IRONGATE_TEST_SET"]}}
# event: {"count": 1, "decision": "allow", "layer": "hook", "action": {"type": "process", "argv": ["/usr/bin/echo", "plain"]}}
# no-event: {"action": {"type": "process", "argv": ["/usr/bin/echo", "plain"], "env_changes": ["IRONGATE_TEST_SET"]}}
# no-event: {"layer": "syscall", "unexplained": true, "action": {"type": "process"}}
import os
import subprocess
import sys

out = subprocess.run(["/usr/bin/echo", "mapped"], env={**os.environ, "IRONGATE_TEST_MAPPED": "1"},
                     capture_output=True, text=True).stdout.strip()
print("mapping:", out)
os.environ["IRONGATE_TEST_SET"] = "yes"
out = subprocess.run(["/usr/bin/echo", "inherited"], capture_output=True, text=True).stdout.strip()
print("inherited:", out)
sys.stdout.flush()
pid = os.posix_spawn("/usr/bin/echo", ["/usr/bin/echo", "spawned"], os.environ)
print("posix_spawn:", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
del os.environ["IRONGATE_TEST_SET"]
out = subprocess.run(["/usr/bin/echo", "plain"], capture_output=True, text=True).stdout.strip()
print("unchanged:", out)
