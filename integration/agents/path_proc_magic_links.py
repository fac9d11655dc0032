# /proc magic links lead to the real file: /proc/self/root/<abs path>, /proc/self/cwd/.env and /proc/<pid>/cwd/.env are all judged as {WORK}/.env (reviewed, time out); /proc/self/cwd/notes.txt and /proc/self/root/<abs>/notes.txt are ordinary allowed reads that succeed.
# irongate: {"args": ["--review-timeout", "0.2"], "exit": 0, "stdout": ["root: PermissionError", "self cwd: PermissionError", "pid cwd: PermissionError", "notes: plain", "root notes: plain"], "files": {".env": "K=V", "notes.txt": "plain"}}
# event: {"count": 3, "layer": "hook", "decision": "review", "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.env", "requested": "re:^/proc/"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt", "requested": "/proc/self/cwd/notes.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt", "requested": "re:^/proc/self/root/"}}
# no-event: {"decision": "allow", "action": {"path": "re:\\.env$"}}
# no-event: {"rule": {"name": "system-paths"}}
import os

work = os.environ["IRONGATE_TEST_WORK"]
for label, p in (
    ("root", "/proc/self/root" + work + "/.env"),
    ("self cwd", "/proc/self/cwd/.env"),
    ("pid cwd", "/proc/%d/cwd/.env" % os.getpid()),
):
    try:
        open(p).read()
        print(label + ": read")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
for label, p in (("notes", "/proc/self/cwd/notes.txt"), ("root notes", "/proc/self/root" + work + "/notes.txt")):
    try:
        print(label + ":", open(p).read())
    except OSError as e:
        print(label + ":", type(e).__name__, e.errno)
