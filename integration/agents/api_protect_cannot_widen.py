# Narrowing can never widen: under the default `sandboxed` run, shield.protect(profile="trusted") and @protect_agent(capability_profile="trusted") still leave writes and processes blocked with missing_capability.
# irongate: {"exit": 0, "stdout": ["write: PermissionError", "process: PermissionError", "decorated write: PermissionError", "exists: False"]}
# event: {"count": 2, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/widened.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:process.exec", "action": {"type": "process", "cmd": "touch widened.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "write"}}
import os
import subprocess

import irongate
from agentshield import protect_agent, shield

with shield.protect(profile="trusted"):
    for label, op in (("write", lambda: open("widened.txt", "w")), ("process", lambda: subprocess.run(["touch", "widened.txt"]))):
        try:
            op()
            print(label + ": done")
        except PermissionError as e:
            print(label + ":", type(e).__name__)


@protect_agent(capability_profile="trusted")
def write():
    open("widened.txt", "w").write("x")


try:
    write()
    print("decorated write: done")
except PermissionError as e:
    print("decorated write:", type(e).__name__)
print("exists:", os.path.exists("widened.txt"))
assert irongate.check({"type": "file", "subtype": "write", "path": "widened.txt"})["decision"] == "block"
