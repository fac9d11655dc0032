# `..` tricks are judged on the real file (R-23, C.1): "sub/../.env" and "{WORK}/../home/../work/.env" (a path that passes through IronGate's home spelling) both reach {WORK}/.env and are reviewed as sensitive, not exempted and not mistaken for IronGate state.
# irongate: {"args": ["--review-timeout", "0.2"], "exit": 0, "stdout": ["sub/../.env: PermissionError", "home/../work/.env: PermissionError"], "files": {".env": "K=V", "sub/x": ""}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.env", "requested": "sub/../.env"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.env", "requested": "{WORK}/../home/../work/.env"}}
# no-event: {"reason": "re:^irongate_state"}
# no-event: {"decision": "allow", "action": {"path": "re:\\.env$"}}
import os

work = os.environ["IRONGATE_TEST_WORK"]
for label, p in (("sub/../.env", "sub/../.env"), ("home/../work/.env", work + "/../home/../work/.env")):
    try:
        open(p).read()
        print(label + ": read")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
