# Review 10: the emulated open clears the O_NONBLOCK of its probe with one F_SETFL set from the
# agent's own flags, not from F_GETFL. The injected descriptor's status flags must be what the
# kernel's own open gives, for the rarer ones too: O_ASYNC (in the flags, signal-driven I/O not
# armed: the F_SETFL changes no FASYNC bit), O_DIRECT, O_NOATIME, O_SYNC/O_DSYNC, O_APPEND, on a
# regular file, a FIFO opened for both ends (O_DIRECT refused there as natively).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/allow-processes.json"], "exit": 0, "timeout": 30, "stdout": ["[rdonly] -\n", "[async] ASYNC\n", "[direct] DIRECT\n", "[noatime] NOATIME\n", "[append-sync] APPEND|SYNC|DSYNC\n", "[dsync] DSYNC\n", "[all] APPEND|ASYNC|DIRECT|NOATIME\n", "[fifo-rdwr-async] ASYNC\n", "[fifo-rdwr-direct] Invalid argument\n"]}
# no-event: {"decision": "block", "action": {"type": "file"}}
import fcntl
import os

d = os.environ.get("TMPDIR", "/tmp")
path = os.path.join(d, "rare.txt")
with open(path, "wb") as f:
    f.write(b"x" * 4096)
fifo = os.path.join(d, "rare.fifo")
os.mkfifo(fifo)
MASK = os.O_APPEND | os.O_NONBLOCK | os.O_ASYNC | os.O_DIRECT | os.O_NOATIME | os.O_SYNC | os.O_DSYNC
NAMES = [("APPEND", os.O_APPEND), ("NONBLOCK", os.O_NONBLOCK), ("ASYNC", os.O_ASYNC),
         ("DIRECT", os.O_DIRECT), ("NOATIME", os.O_NOATIME), ("SYNC", os.O_SYNC), ("DSYNC", os.O_DSYNC)]


def show(label, p, fl):
    try:
        fd = os.open(p, fl)
    except OSError as e:
        print(f"[{label}] {e.strerror}")
        return
    got = fcntl.fcntl(fd, fcntl.F_GETFL) & MASK
    print(f"[{label}] " + ("|".join(n for n, b in NAMES if got & b == b) or "-"))
    os.close(fd)


show("rdonly", path, os.O_RDONLY)
show("async", path, os.O_RDONLY | os.O_ASYNC)
show("direct", path, os.O_RDONLY | os.O_DIRECT)
show("noatime", path, os.O_RDONLY | os.O_NOATIME)
show("append-sync", path, os.O_WRONLY | os.O_APPEND | os.O_SYNC)
show("dsync", path, os.O_WRONLY | os.O_DSYNC)
show("all", path, os.O_WRONLY | os.O_APPEND | os.O_ASYNC | os.O_DIRECT | os.O_NOATIME)
show("fifo-rdwr-async", fifo, os.O_RDWR | os.O_ASYNC)
show("fifo-rdwr-direct", fifo, os.O_RDWR | os.O_DIRECT)

