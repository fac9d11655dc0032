# Wrapping a descriptor the process already holds (`open(fd)`, `os.fdopen`, the interpreter's own
# stdio) opens nothing: the hook asks nothing for it and every such wrap works — a pipe written and
# read through file objects, a workspace file opened with os.open and wrapped, its own stdout dup'ed.
# The file itself is still decided once, where it is opened by name.
# irongate: {"exit": 0, "timeout": 20, "stdout": ["pipe: hello", "wrapped: data", "dup: ok"], "files": {"in.txt": "data"}}
# event: {"count": 1, "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/in.txt"}}
# no-event: {"decision": "block"}
import os
import sys

r, w = os.pipe()
with os.fdopen(w, "w") as out:
    out.write("hello")
with open(r) as inp:
    print("pipe:", inp.read())

fd = os.open("in.txt", os.O_RDONLY)
with open(fd, closefd=True) as f:
    print("wrapped:", f.read())

with open(os.dup(sys.stdout.fileno()), "w") as dup:
    dup.write("dup: ok\n")
