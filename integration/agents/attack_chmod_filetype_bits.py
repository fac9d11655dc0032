# A rule blocks chmod to 4755. The kernel ignores a mode's file-type bits, so os.chmod(f, 0o104755)
# applies 4755: the hook layer must judge (and leave an intent for) the mode the kernel applies, not
# the number the agent spelled, or the block is dodged and the raw syscall is "explained". Every
# spelling is refused and the file keeps its mode.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/chmod-no-setuid.json"], "exit": 0, "stdout": ["0o4755 PermissionError 0o644", "0o104755 PermissionError 0o644", "0o1000004755 PermissionError 0o644", "raw EACCES 0o644"]}
# event: {"count": 3, "layer": "hook", "decision": "block", "rule": {"name": "no-setuid"}, "action": {"subtype": "chmod", "mode": "4755"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "rule": {"name": "no-setuid"}, "action": {"subtype": "chmod", "mode": "4755"}}
# no-event: {"decision": "allow", "action": {"subtype": "chmod", "mode": "re:4755$"}}
import ctypes
import errno
import os
import stat

p = "f"
open(p, "w").close()
os.chmod(p, 0o644)
for m in (0o4755, 0o104755, 0o1000004755):
    try:
        os.chmod(p, m)
        r = "ok"
    except OSError as e:
        r = type(e).__name__
    print(oct(m), r, oct(stat.S_IMODE(os.stat(p).st_mode)), flush=True)
libc = ctypes.CDLL(None, use_errno=True)
rc = libc.chmod(p.encode(), 0o4755)
print("raw", errno.errorcode.get(ctypes.get_errno(), "ok") if rc else "ok",
      oct(stat.S_IMODE(os.stat(p).st_mode)), flush=True)
