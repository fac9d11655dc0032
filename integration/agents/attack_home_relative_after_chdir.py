# Relative names inside IronGate's home are still IronGate's state: under a policy allowing every file operation, after os.chdir(home) (chdir is not trapped), os.remove("irongate.db"), os.rename("irongate.db", ...) and os.mkdir("keys") are blocked at the hook with irongate_state on the real path; none is logged as allowed, and the database survives.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/allow-all-files.json"], "exit": 0, "stdout": ["remove: PermissionError", "rename: PermissionError", "mkdir: PermissionError", "db intact: True"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "delete", "path": "re:/home/irongate\\.db$", "requested": "irongate.db"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "rename", "path": "re:/home/irongate\\.db$"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "mkdir", "path": "re:/home/keys$"}}
# no-event: {"decision": "allow", "action": {"requested": "re:^(irongate\\.db|keys)$"}}
# no-event: {"decision": "allow", "action": {"path": "re:/home/(irongate\\.db|keys)"}}
import os

home = os.path.join(os.environ["IRONGATE_TEST_WORK"], "..", "home")
os.chdir(home)
for label, op in (
    ("remove", lambda: os.remove("irongate.db")),
    ("rename", lambda: os.rename("irongate.db", "moved.db")),
    ("mkdir", lambda: os.mkdir("keys")),
):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("db intact:", os.path.exists("irongate.db"))
