# IronGate's database opened from native code (O_RDWR through libc): the hook layer sees nothing, the
# kernel layer refuses it (irongate_state) and logs it unexplained.
# irongate: {"exit": 0, "stdout": ["fd=-1 errno=EACCES"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "write", "path": "re:/home/irongate\\.db$"}}
# no-event: {"decision": "allow", "action": {"path": "re:/home/irongate\\.db"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
db = os.path.join(os.getcwd(), "..", "home", "irongate.db")
fd = libc.open(db.encode(), os.O_RDWR)
print(f"fd={fd} errno={errno.errorcode.get(ctypes.get_errno())}")
