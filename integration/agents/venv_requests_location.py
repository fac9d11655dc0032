# The agent runs in the venv given with --python (the runner passes $IRONGATE_TEST_VENV, default target/test-venv): sys.prefix is the venv, sys.executable is IronGate's launcher (so Python children re-enter it), and `requests` is imported from the venv's site-packages; the venv's reads are runtime reads, not logged one by one.
# irongate: {"exit": 0, "stdout": ["prefix is venv: True", "executable is launcher: True", "requests from venv site-packages: True", "base prefix outside venv: True"]}
# no-event: {"action": {"path": "re:^{VENV}/"}}
# no-event: {"decision": "block", "action": {"type": "file"}}
# no-event: {"decision": "review"}
import os
import sys

import requests

# The venv the runner passes with --python: $IRONGATE_TEST_VENV, else target/test-venv (tests/backstop_support.rs).
venv = os.path.realpath(
    os.environ.get("IRONGATE_TEST_VENV") or os.path.join(os.environ["IRONGATE_TEST_ROOT"], "target", "test-venv")
)
print("sys.prefix =", sys.prefix)
print("sys.executable =", sys.executable)
print("requests =", requests.__file__)
print("prefix is venv:", os.path.realpath(sys.prefix) == venv)
exe = os.path.realpath(sys.executable)
print("executable is launcher:", os.path.basename(exe) == "irongate" or "/irongate-" in sys.executable)
site = os.path.join(venv, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")
print("requests from venv site-packages:", os.path.realpath(requests.__file__).startswith(site + os.sep))
print("base prefix outside venv:", not os.path.realpath(sys.base_prefix).startswith(venv))
