# irongate.check asks the supervisor for a logged decision (layer api, R-44): an ordinary read is allowed by read-files, an `open` with mode "w" is classified as a write and blocked, an unknown type is blocked with missing_capability:unknown.gpu_job (C.42), a sensitive read is reviewed and returned as a block after the timeout; each event records the caller's frame.
# irongate: {"args": ["--review-timeout", "0.2"], "exit": 0, "stdout": ["read: allow read-files", "open w: block missing_capability:file.write", "gpu_job: block missing_capability:unknown.gpu_job", "secret: block sensitive-files", "process: block missing_capability:process.exec"]}
# event: {"count": 1, "layer": "api", "decision": "allow", "rule": {"name": "read-files"}, "frame": "re:/api_check\\.py:\\d+$", "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt", "requested": "notes.txt"}}
# event: {"count": 1, "layer": "api", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/x.txt", "mode": "w"}}
# event: {"count": 1, "layer": "api", "decision": "block", "reason": "missing_capability:unknown.gpu_job", "action": {"type": "gpu_job"}}
# event: {"count": 1, "layer": "api", "decision": "review", "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.env"}}
# event: {"count": 1, "layer": "api", "decision": "block", "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "exec", "cmd": "ls -l"}}
import irongate


def show(label, action):
    r = irongate.check(action)
    print(label + ":", r["decision"], (r["rule"] or {}).get("name") or r["reason"])


show("read", {"type": "file", "subtype": "read", "path": "notes.txt"})
show("open w", {"type": "file", "subtype": "open", "path": "x.txt", "mode": "w"})
show("gpu_job", {"type": "gpu_job"})
show("secret", {"type": "file", "subtype": "read", "path": ".env"})
show("process", {"type": "process", "subtype": "exec", "cmd": "ls -l", "argv": ["ls", "-l"]})
