# Benign work stays clean: `python -m pip --version` through sys.executable (the launcher: a Python child
# that joins the run with its own hook, R-43). pip reads the venv and the interpreter's prefix (runtime
# reads); nothing unexplained is denied. (pip's vendored urllib3 probes IPv6 with bind(('::1', 0)) at import:
# a hook-layer decision of this run's policy, not an unexplained one.)
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["pip exit 0", "pip 2"]}
# event: {"decision": "allow", "layer": "hook", "action": {"type": "process", "process_class": "python_child"}}
# no-event: {"unexplained": true, "decision": "block"}
import subprocess
import sys

p = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True)
print("pip exit", p.returncode)
print(p.stdout.strip(), p.stderr.strip())
