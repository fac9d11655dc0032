# mknod/mknodat are trapped and performed: a FIFO inside forbidden_dir/ and one at
# IronGate's own policies.json (the test runner keeps the home next to the scratch dir: ../home) are
# refused (EACCES; the default ~/.irongate is tried too: EACCES, or ENOENT where it does not exist);
# device nodes (a char device 1,3 = /dev/null's numbers, a block device, through mknodat and mknod)
# are refused with EPERM even in the workspace; nothing is created. A plain
# FIFO in the workspace is allowed under `trusted`: os.mkfifo and a raw mknodat both work.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["fifo in forbidden_dir=-1 errno=EACCES", "fifo at home policies.json=-1 errno=EACCES", "fifo at ~/.irongate/policies.json=-1", "chr 1,3 mknodat=-1 errno=EPERM", "chr 1,3 mknod=-1 errno=EPERM", "blk 7,0 mknodat=-1 errno=EPERM", "mkfifo: ok", "raw fifo=0 errno=None", "fifos are FIFOs: True", "created where refused: []"], "files": {"forbidden_dir/victim.txt": "SECRET"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "path": "{WORK}/forbidden_dir/fifo"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_state", "action": {"type": "file", "path": "re:/home/policies\\.json$"}}
# Device nodes are refused before any path is resolved: logged as unresolvable mknod calls (no path).
# event: {"count": 3, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "re:^irongate_unresolvable", "action": {"type": "tamper", "subtype": "unresolvable", "name": "mknod"}}
# no-event: {"decision": "allow", "action": {"path": "re:(forbidden|policies\\.json|/dev)"}}
import ctypes
import errno
import os
import stat

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
AT_FDCWD, SYS_mknod, SYS_mknodat = -100, 133, 259
work = os.getcwd()
home = os.path.join(os.path.dirname(work), "home")
dflt = os.path.expanduser("~/.irongate")


def mk(label, nr, *args):
    r = libc.syscall(nr, *args)
    print(f"{label}={r} errno={errno.errorcode.get(ctypes.get_errno()) if r else None}")


refused = {
    "forbidden_dir/fifo": os.path.join(work, "forbidden_dir", "fifo"),
    "home": os.path.join(home, "policies.json"),
    "dflt": os.path.join(dflt, "policies.json"),
    "null": os.path.join(work, "null"),
    "null2": os.path.join(work, "null2"),
    "loop": os.path.join(work, "loop"),
}
existed = {k: os.path.lexists(p) for k, p in refused.items()}
mk("fifo in forbidden_dir", SYS_mknodat, AT_FDCWD, b"forbidden_dir/fifo", stat.S_IFIFO | 0o600, 0)
mk("fifo at home policies.json", SYS_mknodat, AT_FDCWD, refused["home"].encode(), stat.S_IFIFO | 0o600, 0)
mk("fifo at ~/.irongate/policies.json", SYS_mknodat, AT_FDCWD, refused["dflt"].encode(), stat.S_IFIFO | 0o600, 0)
mk("chr 1,3 mknodat", SYS_mknodat, AT_FDCWD, b"null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
mk("chr 1,3 mknod", SYS_mknod, b"null2", stat.S_IFCHR | 0o666, os.makedev(1, 3))
mk("blk 7,0 mknodat", SYS_mknodat, AT_FDCWD, b"loop", stat.S_IFBLK | 0o666, os.makedev(7, 0))
try:
    os.mkfifo("ok.fifo")
    print("mkfifo: ok")
except OSError as e:
    print("mkfifo:", type(e).__name__, e)
mk("raw fifo", SYS_mknodat, AT_FDCWD, b"raw.fifo", stat.S_IFIFO | 0o600, 0)
print("fifos are FIFOs:", all(os.path.exists(p) and stat.S_ISFIFO(os.stat(p).st_mode) for p in ("ok.fifo", "raw.fifo")))
print("created where refused:", sorted(k for k, p in refused.items() if os.path.lexists(p) and not existed[k]))
