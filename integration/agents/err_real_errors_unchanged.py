# Real errors of allowed operations reach the agent unchanged (R-41, C.34): reading a missing file raises FileNotFoundError (errno 2, the filename), listing a missing directory too, and an allowed HTTP request to a closed port fails with requests' ConnectionError, not a PermissionError.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["open: FileNotFoundError 2 missing.txt", "listdir: FileNotFoundError 2", "isdir: False", "http: ConnectionError not-permission"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/missing.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "list-dirs"}, "action": {"type": "file", "subtype": "list", "path": "{WORK}/nodir"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://127.0.0.1:9/closed"}}
# no-event: {"decision": "block", "action": {"path": "re:^{WORK}"}}
import os

import requests

try:
    open("missing.txt")
except FileNotFoundError as e:
    print("open:", type(e).__name__, e.errno, e.filename)
try:
    os.listdir("nodir")
except FileNotFoundError as e:
    print("listdir:", type(e).__name__, e.errno)
print("isdir:", os.path.isdir("nodir"))
try:
    requests.get("http://127.0.0.1:9/closed", timeout=5)
except requests.ConnectionError as e:
    cause, permission = e, False
    while cause is not None:
        permission |= isinstance(cause, PermissionError)
        cause = cause.__context__
    print("http:", type(e).__name__, "permission" if permission else "not-permission")
