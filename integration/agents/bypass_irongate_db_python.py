# IronGate's own database is never reachable by the agent, whatever the policy says: a Python
# open() of it is blocked at the hook layer (irongate_state) and the file is neither read nor changed.
# irongate: {"exit": 0, "stdout": ["read: PermissionError", "append: PermissionError"]}
# event: {"count": 1, "decision": "block", "layer": "hook", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "read", "path": "re:/home/irongate\\.db$"}}
# event: {"count": 1, "decision": "block", "layer": "hook", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "write", "path": "re:/home/irongate\\.db$"}}
# no-event: {"decision": "allow", "action": {"path": "re:/home/irongate\\.db"}}
# no-event: {"layer": "syscall", "action": {"path": "re:/home/irongate\\.db"}}
import os

db = os.path.join(os.getcwd(), "..", "home", "irongate.db")
for label, mode in (("read", "rb"), ("append", "ab")):
    try:
        with open(db, mode) as f:
            print(label + ": opened", f.read(16) if "r" in mode else "")
    except PermissionError:
        print(label + ": PermissionError")
