# The run's exit status is the agent's: sys.exit(3) makes `irongate run` exit 3, after the agent's output is flushed.
# irongate: {"exit": 3, "stdout": ["about to exit 3"]}
# no-event: {"decision": "block"}
import sys

print("about to exit 3")
sys.exit(3)
