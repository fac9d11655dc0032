# Sensitive reads go to review under the built-in policy and the default profile: .env, an ssh key and a *token* file are held, time out and raise PermissionError; an ordinary read next to them is allowed.
# irongate: {"args": ["--review-timeout", "0.3"], "exit": 0, "stdout": [".env: PermissionError", ".ssh/id_rsa: PermissionError", "api_token.txt: PermissionError", "readme: ok"], "files": {".env": "OPENAI_API_KEY=sk-test", ".ssh/id_rsa": "-----BEGIN KEY-----", "api_token.txt": "t0k", "README": "ok"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "reason": "Sensitive file access requires approval", "rule": {"name": "sensitive-files"}, "review": {"timeout": true, "verdict": "block"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.env"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.ssh/id_rsa"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "sensitive-names"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/api_token.txt"}}
# event: {"count": 3, "layer": "review", "decision": "block"}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/README"}}
# no-event: {"decision": "allow", "action": {"path": "re:(\\.env|id_rsa|token)"}}
# no-event: {"layer": "syscall", "action": {"path": "re:^{WORK}"}}
for name in (".env", ".ssh/id_rsa", "api_token.txt"):
    try:
        open(name).read()
        print(name + ": read")
    except PermissionError as e:
        print(name + ":", type(e).__name__)
print("readme:", open("README").read())
