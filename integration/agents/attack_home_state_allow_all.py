# Whatever the policy says (a policy allowing every file operation, --profile trusted), IronGate's home stays unreachable: overwriting policies.json (B.24/B.25), writing the key dir, renaming/unlinking/hard-linking the database and reading it through a symlink are blocked with irongate_state; the symlink itself is harmless and allowed.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/allow-all-files.json"], "exit": 0, "stdout": ["policy write: PermissionError", "mkdir in home: PermissionError", "rename db: PermissionError", "unlink db: PermissionError", "hard link db: PermissionError", "read via symlink: PermissionError", "ordinary write: ok"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "write", "path": "re:/home/policies\\.json$"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "mkdir", "path": "re:/home/keys$"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "rename", "path": "re:/home/irongate\\.db$", "target": "{WORK}/stolen.db"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "delete", "path": "re:/home/irongate\\.db$"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "link", "path": "re:/home/irongate\\.db$", "target": "{WORK}/hard.db"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "all-files"}, "action": {"type": "file", "subtype": "symlink", "path": "{WORK}/soft.db"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "read", "path": "re:/home/irongate\\.db$", "requested": "{WORK}/soft.db"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "all-files"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/ordinary.txt"}}
# no-event: {"decision": "allow", "action": {"path": "re:/home(/|$)"}}
import os

os.chdir("/")  # absolute paths only
work = os.environ["IRONGATE_TEST_WORK"]
home = os.path.realpath(os.path.join(work, "..", "home"))
db = os.path.join(home, "irongate.db")
for label, op in (
    ("policy write", lambda: open(os.path.join(home, "policies.json"), "w").write('{"rules": [{"decision": "allow"}]}')),
    ("mkdir in home", lambda: os.mkdir(os.path.join(home, "keys"))),
    ("rename db", lambda: os.rename(db, work + "/stolen.db")),
    ("unlink db", lambda: os.unlink(db)),
    ("hard link db", lambda: os.link(db, work + "/hard.db")),
    ("read via symlink", lambda: (os.symlink(db, work + "/soft.db"), open(work + "/soft.db", "rb").read())),
):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
open(work + "/ordinary.txt", "w").write("x")
print("ordinary write: ok")
assert os.path.exists(db), "the database must survive"
