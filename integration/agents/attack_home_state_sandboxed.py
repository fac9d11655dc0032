# IronGate's home directory is out of the agent's reach (R-2, R-33, B.22-B.25): reading the audit database, listing the home dir, opening it with sqlite3 (caught at the kernel layer: sqlite3 raises no open event) and appending to it are all blocked with reason irongate_state; the agent cannot rewrite its own log.
# irongate: {"exit": 0, "stdout": ["read: PermissionError", "list: PermissionError", "sqlite: OperationalError", "append: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "rule": null, "action": {"type": "file", "subtype": "read", "path": "re:/home/irongate\\.db$", "requested": "{WORK}/../home/irongate.db"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "list", "path": "re:/home$"}}
# event: {"layer": "syscall", "decision": "block", "reason": "re:^irongate_state", "unexplained": true, "action": {"type": "file", "path": "re:/home/irongate\\.db$"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "write", "path": "re:/home/irongate\\.db$", "mode": "a"}}
# no-event: {"decision": "allow", "action": {"path": "re:/home(/|$)"}}
import os
import sqlite3

home = os.path.join(os.environ["IRONGATE_TEST_WORK"], "..", "home")
db = os.path.join(home, "irongate.db")
for label, op in (
    ("read", lambda: open(db, "rb").read(16)),
    ("list", lambda: os.listdir(home)),
    ("sqlite", lambda: sqlite3.connect(db).execute("UPDATE events SET decision='allow'")),
    ("append", lambda: open(db, "ab").write(b"garbage")),
):
    try:
        op()
        print(label + ": done")
    except (PermissionError, sqlite3.Error) as e:
        print(label + ":", type(e).__name__)
