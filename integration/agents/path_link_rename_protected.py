# a hard link or rename that would give a protected file a new name is judged on the protected file: under `trusted`, os.link(.env, notes.txt) and os.rename(.env, public.txt) match rule sensitive-files (not the generic links/renames rules) and are reviewed; both time out and .env keeps its only name.
# irongate: {"args": ["--profile", "trusted", "--review-timeout", "0.2"], "exit": 0, "stdout": ["link: PermissionError", "rename: PermissionError", "names: ['.env']"], "files": {".env": "K=V"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "link", "path": "{WORK}/.env", "target": "{WORK}/notes.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/.env", "target": "{WORK}/public.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "re:^(link|rename)$"}}
import os

os.chdir("/")  # absolute paths only
w = os.environ["IRONGATE_TEST_WORK"] + "/"
for label, op in (("link", lambda: os.link(w + ".env", w + "notes.txt")), ("rename", lambda: os.rename(w + ".env", w + "public.txt"))):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("names:", sorted(os.listdir(w)))
