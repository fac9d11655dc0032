# A binary child is judged at the kernel layer. This run's policy lets /bin/cat run, so the exec is
# allowed at the hook layer; cat's own openat of /etc/shadow is a syscall nothing explains: refused
# (system-secrets), logged unexplained with cat's pid; cat fails with "Permission denied".
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["cat exit 1", "Permission denied", "shadow content leaked: False"]}
# event: {"count": 1, "decision": "allow", "layer": "hook", "rule": {"name": "known-programs"}, "action": {"type": "process", "subtype": "spawn", "argv": ["/bin/cat", "/etc/shadow"]}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import subprocess

p = subprocess.run(["/bin/cat", "/etc/shadow"], capture_output=True)
print("cat exit", p.returncode)
print(p.stderr.decode().strip())
print("shadow content leaked:", b"root:" in p.stdout)
