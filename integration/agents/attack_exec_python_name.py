# Attack (review 4, fixed): "python_child" is decided from the program's file name alone (events::is_python: any
# basename python[0-9.]*), at both layers. A copy of /usr/bin/id named python3 under /tmp (where
# the policy lets files be written) is then a Python child that the "python-children" rule allows,
# while /usr/bin/id itself is refused by default_deny. Any program the agent can copy runs so.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["renamed_ran=False", "direct_ran=False"]}
import os
import shutil
import subprocess

d = "/tmp/ig_r4_pyname_%d" % os.getpid()
os.makedirs(d, exist_ok=True)
shutil.copyfile("/usr/bin/id", d + "/python3")
os.chmod(d + "/python3", 0o755)
try:
    out = subprocess.run([d + "/python3"], capture_output=True).stdout
    renamed = b"uid=" in out
except PermissionError:
    renamed = False
try:
    direct = b"uid=" in subprocess.run(["/usr/bin/id"], capture_output=True).stdout
except PermissionError:
    direct = False
print(f"renamed_ran={renamed}")
print(f"direct_ran={direct}")
shutil.rmtree(d, ignore_errors=True)
