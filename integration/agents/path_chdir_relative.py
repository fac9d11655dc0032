# chdir laundering (C.17): after os.chdir into .ssh, a relative open("id_rsa") and os.listdir(".") are judged on the real paths ({WORK}/.ssh/id_rsa, {WORK}/.ssh) and reviewed as sensitive.
# irongate: {"args": ["--review-timeout", "0.2"], "exit": 0, "stdout": ["id_rsa: PermissionError", "listdir: PermissionError", "back: ok"], "files": {".ssh/id_rsa": "KEY", "ok.txt": "ok"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.ssh/id_rsa", "requested": "id_rsa"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "list", "path": "{WORK}/.ssh"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/ok.txt", "requested": "../ok.txt"}}
# no-event: {"decision": "allow", "action": {"path": "re:\\.ssh"}}
import os

os.chdir(".ssh")
for label, op in (("id_rsa", lambda: open("id_rsa").read()), ("listdir", lambda: os.listdir("."))):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("back:", open("../ok.txt").read())
