# os.open is classified by its flags: O_RDONLY is a read (allowed), O_WRONLY|O_CREAT and O_RDWR are writes (blocked in `sandboxed`, C.4).
# irongate: {"exit": 0, "stdout": ["rdonly read: b'abc'", "wronly|creat: PermissionError", "rdwr: PermissionError", "created: False"], "files": {"in.txt": "abc"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/in.txt", "flags": 524288}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/out.txt", "flags": 524353}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/in.txt", "flags": 524290}}
# no-event: {"unexplained": true}
import os

fd = os.open("in.txt", os.O_RDONLY)
print("rdonly read:", os.read(fd, 10))
os.close(fd)
for label, name, flags in (("wronly|creat", "out.txt", os.O_WRONLY | os.O_CREAT), ("rdwr", "in.txt", os.O_RDWR)):
    try:
        os.close(os.open(name, flags))
        print(label + ": opened")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("created:", os.path.exists("out.txt"))
