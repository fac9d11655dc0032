# The runtime's housekeeping is not the agent's intent (R-33, issue 10): under `sandboxed`, tempfile works in the
# run's private scratch directory (TMPDIR, mode 0700), platform's `uname -p` and urllib3's IPv6 probe
# (bind [::1]:0) are runtime operations: nothing is reviewed or blocked for them, nothing logged one by one.
# A write outside the scratch directory is still the agent's and still blocked.
# irongate: {"exit": 0, "stdout": ["tmpdir: 0o700 irongate-tmp-", "named: x", "mkdtemp ok", "processor ok", "urllib3 ipv6 True", "work write: PermissionError", "moved TMPDIR: "]}
# event: {"decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "path": "{WORK}/out.txt"}}
# no-event: {"decision": "review"}
# no-event: {"action": {"type": "process"}}
# no-event: {"reason": "re:^irongate_unresolvable"}
# no-event: {"action": {"type": "network"}}
# no-event: {"action": {"path": "re:irongate-tmp-"}}
import os
import platform
import shutil
import tempfile

d = tempfile.gettempdir()
assert d == os.environ["TMPDIR"], (d, os.environ["TMPDIR"])
print("tmpdir:", oct(os.stat(d).st_mode & 0o777), os.path.basename(d))
with tempfile.NamedTemporaryFile("w", delete=False) as f:
    f.write("x")
print("named:", open(f.name).read())
os.remove(f.name)
td = tempfile.mkdtemp()
with open(os.path.join(td, "a"), "w") as f:
    f.write("1")
os.rename(os.path.join(td, "a"), os.path.join(td, "b"))
shutil.rmtree(td)
print("mkdtemp ok")
platform.processor()
print("processor ok")
import urllib3.util.connection as c

print("urllib3 ipv6", c.HAS_IPV6)
work = os.environ["IRONGATE_TEST_WORK"]
try:
    open(os.path.join(work, "out.txt"), "w")
except PermissionError as e:
    print("work write:", type(e).__name__)
# The exemption is the supervisor's directory, not whatever TMPDIR says.
os.environ["TMPDIR"] = work
tempfile.tempdir = None
try:
    tempfile.mkstemp()
except (PermissionError, FileNotFoundError) as e:
    print("moved TMPDIR:", type(e).__name__)
