# Calls performed on the agent's behalf create with the agent's umask, also after it changes: the
# supervisor remembers each thread's identity (umask, credentials) and forgets it when the agent calls
# umask, so a directory made by a raw mkdir, from this thread or another, gets exactly the mode the
# kernel would have given it.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["a: 0o755", "b: 0o700", "c: 0o700", "d: 0o750"]}
import ctypes
import os
import stat
import threading

libc = ctypes.CDLL(None, use_errno=True)


def mk(name):
    if libc.mkdir(name.encode(), 0o777) != 0:
        raise OSError(ctypes.get_errno(), name)
    return oct(stat.S_IMODE(os.stat(name).st_mode))


os.umask(0o022)
print("a:", mk("a"))
os.umask(0o077)
print("b:", mk("b"))
out = {}
t = threading.Thread(target=lambda: out.update(c=mk("c")))
t.start()
t.join()
print("c:", out["c"])
os.umask(0o027)
print("d:", mk("d"))
