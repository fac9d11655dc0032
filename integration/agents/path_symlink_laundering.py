# Symlink laundering (C.16, R-23): with a policy that allows creating links, a symlink "innocent.txt" -> .env is allowed, but reading through it is judged on .env (reviewed, times out); the requested spelling is recorded too.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/links-allowed.json", "--review-timeout", "0.3"], "exit": 0, "stdout": ["symlink: ok", "read via link: PermissionError", "ordinary: hello"], "files": {".env": "TOKEN=x", "ordinary.txt": "hello"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "links"}, "action": {"type": "file", "subtype": "symlink", "path": "{WORK}/innocent.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "sensitive"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.env", "requested": "{WORK}/innocent.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "read", "path": "{WORK}/innocent.txt"}}
# no-event: {"decision": "allow", "action": {"subtype": "read", "path": "{WORK}/.env"}}
import os

os.chdir("/")  # absolute paths only
work = os.environ["IRONGATE_TEST_WORK"]
os.symlink(work + "/.env", work + "/innocent.txt")
print("symlink: ok")
try:
    open(work + "/innocent.txt").read()
    print("read via link: read")
except PermissionError as e:
    print("read via link:", type(e).__name__)
print("ordinary:", open(work + "/ordinary.txt").read())
