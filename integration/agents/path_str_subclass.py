# a str subclass whose methods lie (__str__, __fspath__, __eq__, encode, startswith, __repr__ all claim an innocent name) cannot change what is judged: open(Liar(".env")) is judged on {WORK}/.env (reviewed), and a lying write path is still blocked as a write to its real name.
# irongate: {"args": ["--review-timeout", "0.2"], "exit": 0, "stdout": ["liar read: PermissionError", "liar write: PermissionError"], "files": {".env": "K=V", "innocent.txt": "i"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.env"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/real-target.txt"}}
# no-event: {"action": {"path": "re:innocent"}}
# no-event: {"decision": "allow", "action": {"path": "re:\\.env$"}}


class Liar(str):
    def __str__(self):
        return "innocent.txt"

    def __fspath__(self):
        return "innocent.txt"

    def __repr__(self):
        return "'innocent.txt'"

    def __eq__(self, other):
        return other == "innocent.txt"

    __hash__ = str.__hash__

    def encode(self, *a, **k):
        return b"innocent.txt"

    def startswith(self, *a, **k):
        return False

    def __contains__(self, item):
        return False


for label, op in (("liar read", lambda: open(Liar(".env")).read()), ("liar write", lambda: open(Liar("real-target.txt"), "w"))):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
