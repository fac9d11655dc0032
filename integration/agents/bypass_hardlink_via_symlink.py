# A hard link through an indirection: a symlink `pointer` -> ../home/irongate.db (a symlink's text is
# only text: creating it under /tmp is allowed by this run's policy), then linkat(AT_SYMLINK_FOLLOW) from
# `pointer` to a new name in the scratch dir. The link would reach IronGate's database, so the database
# is what is judged: refused at the kernel layer (irongate_state), no new name exists.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["symlink=0", "linkat=-1 errno=EACCES", "copy.db exists: False", "links to the database: 1"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "link", "path": "re:/home/irongate\\.db$", "target": "{WORK}/copy.db"}}
# no-event: {"decision": "allow", "action": {"subtype": "link"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
db = os.path.join(os.getcwd(), "..", "home", "irongate.db")
AT_FDCWD, AT_SYMLINK_FOLLOW = -100, 0x400
print("symlink=%d" % libc.symlink(b"../home/irongate.db", os.path.join(os.getcwd(), "pointer").encode()))
r = libc.linkat(AT_FDCWD, b"pointer", AT_FDCWD, b"copy.db", AT_SYMLINK_FOLLOW)
print(f"linkat={r} errno={errno.errorcode.get(ctypes.get_errno())}")
print("copy.db exists:", os.path.exists("copy.db"))
print("links to the database:", os.stat(db).st_nlink)
