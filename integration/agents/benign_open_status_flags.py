# The descriptor an emulated open hands the agent carries the agent's own status flags. The
# supervisor opens with O_NONBLOCK added (a lease or a FIFO must not stall its loop) and takes it off
# again with one F_SETFL set from the agent's flags: O_APPEND stays, O_NONBLOCK only where the agent
# asked for it, through open(), os.open and ctypes alike (the last decided at the syscall layer).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/allow-processes.json"], "exit": 0, "timeout": 20, "stdout": ["open a: append True nonblock False", "appended: ab", "os.open O_NONBLOCK: nonblock True", "os.open: nonblock False", "ctypes O_APPEND: append True nonblock False", "ctypes appended: abc"]}
# no-event: {"decision": "block", "action": {"type": "file"}}
import ctypes
import fcntl
import os

path = os.path.join(os.environ["TMPDIR"], "app.txt")
with open(path, "w") as f:
    f.write("a")


def flags(fd):
    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
    return bool(fl & os.O_APPEND), bool(fl & os.O_NONBLOCK)


with open(path, "a") as f:
    append, nonblock = flags(f.fileno())
    print(f"open a: append {append} nonblock {nonblock}")
    f.write("b")
with open(path) as f:
    print("appended:", f.read())

fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
print("os.open O_NONBLOCK: nonblock", flags(fd)[1])
os.close(fd)
fd = os.open(path, os.O_RDONLY)
print("os.open: nonblock", flags(fd)[1])
os.close(fd)

libc = ctypes.CDLL(None, use_errno=True)
libc.open.argtypes = [ctypes.c_char_p, ctypes.c_int]
fd = libc.open(path.encode(), os.O_WRONLY | os.O_APPEND)
append, nonblock = flags(fd)
print(f"ctypes O_APPEND: append {append} nonblock {nonblock}")
os.write(fd, b"c")
os.close(fd)
with open(path) as f:
    print("ctypes appended:", f.read())
