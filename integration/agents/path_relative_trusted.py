# Relative paths for the calls whose audit event carries a dir_fd (-1 = none): os.remove, os.rename, os.mkdir, os.rmdir, os.link, os.symlink, os.chmod under `trusted` are judged on the real file in the cwd, so mkdir is allowed and the others get their own rule's review, never `system-paths` for a bogus /proc/<pid>/fd/-1/... path.
# irongate: {"args": ["--profile", "trusted", "--review-timeout", "0.2"], "exit": 0, "stdout": ["mkdir: done", "remove: PermissionError", "rename: PermissionError", "rmdir: PermissionError", "link: PermissionError", "symlink: PermissionError", "chmod: PermissionError"], "files": {"f.txt": "f"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "mkdir", "path": "{WORK}/d", "requested": "d"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "deletes"}, "action": {"type": "file", "subtype": "delete", "path": "{WORK}/f.txt", "requested": "f.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "renames"}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/f.txt", "target": "{WORK}/g.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "deletes"}, "action": {"type": "file", "subtype": "delete", "path": "{WORK}/d"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "links-and-permissions"}, "action": {"type": "file", "subtype": "link", "path": "{WORK}/f.txt", "target": "{WORK}/h.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "links-and-permissions"}, "action": {"type": "file", "subtype": "symlink", "path": "{WORK}/s.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "links-and-permissions"}, "action": {"type": "file", "subtype": "chmod", "path": "{WORK}/f.txt"}}
# no-event: {"action": {"path": "re:^/proc/"}}
# no-event: {"rule": {"name": "system-paths"}}
import os

for label, op in (
    ("mkdir", lambda: os.mkdir("d")),
    ("remove", lambda: os.remove("f.txt")),
    ("rename", lambda: os.rename("f.txt", "g.txt")),
    ("rmdir", lambda: os.rmdir("d")),
    ("link", lambda: os.link("f.txt", "h.txt")),
    ("symlink", lambda: os.symlink("f.txt", "s.txt")),
    ("chmod", lambda: os.chmod("f.txt", 0o600)),
):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
