# A hard link gives a protected file a new, innocent-looking name; R-23: it is judged on the protected
# file. This run's policy allows creating anything under /tmp (the scratch dir included) but blocks
# files named *forbidden*; linkat() through libc from forbidden.txt to innocent.txt is refused at the
# kernel layer on the original file, and no new name exists afterwards.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["link=-1 errno=EACCES", "innocent.txt exists: False", "links to forbidden.txt: 1"], "files": {"forbidden.txt": "TOP SECRET"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "link", "path": "{WORK}/forbidden.txt", "target": "{WORK}/innocent.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "link"}}
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
r = libc.link(b"forbidden.txt", b"innocent.txt")
print(f"link={r} errno={errno.errorcode.get(ctypes.get_errno())}")
print("innocent.txt exists:", os.path.exists("innocent.txt"))
print("links to forbidden.txt:", os.stat("forbidden.txt").st_nlink)
