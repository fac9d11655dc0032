# Under `trusted`: os.link, os.symlink, os.chmod and os.chown are reviewed (rule links-and-permissions) and blocked on timeout; os.truncate is allowed as a write (rule `writes`).
# irongate: {"args": ["--profile", "trusted", "--review-timeout", "0.3"], "exit": 0, "stdout": ["link: PermissionError", "symlink: PermissionError", "chmod: PermissionError", "chown: PermissionError", "truncate: done", "size: 3", "state: False False"], "files": {"f.txt": "0123456789"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "links-and-permissions"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "link", "path": "{WORK}/f.txt", "target": "{WORK}/hard"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "links-and-permissions"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "symlink", "path": "{WORK}/soft", "target": "f.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "links-and-permissions"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "chmod", "path": "{WORK}/f.txt", "mode": "700"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "links-and-permissions"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "chown", "path": "{WORK}/f.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "truncate", "path": "{WORK}/f.txt"}}
# event: {"count": 4, "layer": "review", "decision": "block"}
# no-event: {"layer": "syscall", "action": {"path": "re:^{WORK}"}}
import os

os.chdir("/")  # absolute paths only: relative ones are covered by path_relative_trusted.py
w = os.environ["IRONGATE_TEST_WORK"] + "/"
for label, op in (
    ("link", lambda: os.link(w + "f.txt", w + "hard")),
    ("symlink", lambda: os.symlink("f.txt", w + "soft")),
    ("chmod", lambda: os.chmod(w + "f.txt", 0o700)),
    ("chown", lambda: os.chown(w + "f.txt", os.getuid(), os.getgid())),
    ("truncate", lambda: os.truncate(w + "f.txt", 3)),
):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("size:", os.path.getsize(w + "f.txt"))
print("state:", os.path.exists(w + "hard"), os.path.lexists(w + "soft"))
