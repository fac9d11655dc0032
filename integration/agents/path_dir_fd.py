# dir_fd-relative calls are judged on the real path: with a descriptor for {WORK}/keys, os.open("id_rsa", dir_fd=fd) is a sensitive read (reviewed), os.open("out", O_WRONLY|O_CREAT, dir_fd=fd) a blocked write, and os.remove("victim", dir_fd=fd) a blocked delete, all on {WORK}/keys/...
# irongate: {"args": ["--review-timeout", "0.2"], "exit": 0, "stdout": ["read id_rsa: PermissionError", "write out: PermissionError", "remove victim: PermissionError", "plain: plain"], "files": {"keys/id_rsa": "KEY", "keys/plain.txt": "plain", "keys/victim": "v"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/keys/id_rsa"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/keys/out"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.delete", "action": {"type": "file", "subtype": "delete", "path": "{WORK}/keys/victim"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/keys/plain.txt"}}
# no-event: {"action": {"path": "re:^{WORK}/(id_rsa|out|victim|plain\\.txt)$"}}
import os

fd = os.open("keys", os.O_RDONLY | os.O_DIRECTORY)
for label, op in (
    ("read id_rsa", lambda: os.close(os.open("id_rsa", os.O_RDONLY, dir_fd=fd))),
    ("write out", lambda: os.close(os.open("out", os.O_WRONLY | os.O_CREAT, dir_fd=fd))),
    ("remove victim", lambda: os.remove("victim", dir_fd=fd)),
):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
pfd = os.open("plain.txt", os.O_RDONLY, dir_fd=fd)
print("plain:", os.read(pfd, 100).decode())
