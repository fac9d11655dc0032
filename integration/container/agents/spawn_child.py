# A Python child through sys.executable (IronGate's launcher) under
# --isolate as another user: the exec is continued with the caller's memory
# sharers stopped by ptrace, which needs the agent's real uid in a container.
import subprocess
import sys

r = subprocess.run([sys.executable, "-c", "import os; print('child uid', os.getuid())"], capture_output=True, text=True)
print("rc", r.returncode, r.stdout.strip())
