# The frame recorded with a decision is the agent's own line, not the standard library's: a
# subprocess.run() is raised deep inside subprocess.py, yet the event names this file and the line
# that asked, as a reviewer needs to see it.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/allow-processes.json"], "exit": 0, "stdout": ["x"]}
# event: {"layer": "hook", "decision": "allow", "action": {"type": "process", "argv": ["echo", "x"]}, "frame": "re:/frame_subprocess_agent_line\\.py:10$"}
import subprocess

# The call below is line 10.

subprocess.run(["echo", "x"], check=True)
