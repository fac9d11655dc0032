# Write intent comes from the open mode: "x", "r+" and "wb" are writes (blocked in `sandboxed`), "rb" and "rt" are reads (allowed).
# irongate: {"exit": 0, "stdout": ["x: PermissionError", "r+: PermissionError", "wb: PermissionError", "rb: b'data'", "rt: data"], "files": {"data.bin": "data"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/new.txt", "mode": "x", "flags": 524481}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/data.bin", "mode": "r+", "flags": 524290}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/data.bin", "flags": 524865}}
# event: {"count": 2, "layer": "hook", "decision": "allow", "reason": "Ordinary file read", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/data.bin", "flags": 524288}}
# no-event: {"decision": "allow", "action": {"subtype": "write"}}
import os

for mode, name in (("x", "new.txt"), ("r+", "data.bin"), ("wb", "data.bin")):
    try:
        open(name, mode).close()
        print(mode + ": opened")
    except PermissionError as e:
        print(mode + ":", type(e).__name__)
assert not os.path.exists("new.txt")
with open("data.bin", "rb") as f:
    print("rb:", f.read())
with open("data.bin", "rt") as f:
    print("rt:", f.read())
