# rename() of an agent file onto IronGate's database through libc: the destination is IronGate's own
# state, never writable. Refused at the kernel layer (irongate_state); the database is untouched.
# irongate: {"exit": 0, "stdout": ["rename=-1 errno=EACCES", "evil.db still here: True", "database intact: True"], "files": {"evil.db": "not a database"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "rename", "path": "{WORK}/evil.db", "target": "re:/home/irongate\\.db$"}}
# no-event: {"decision": "allow", "action": {"subtype": "rename"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
db = os.path.join(os.getcwd(), "..", "home", "irongate.db")
before = os.stat(db).st_ino
r = libc.rename(b"evil.db", db.encode())
print(f"rename={r} errno={errno.errorcode.get(ctypes.get_errno())}")
print("evil.db still here:", os.path.exists("evil.db"))
print("database intact:", os.stat(db).st_ino == before)
