# The environment the hook reports for a spawn is the one the exec carries, byte for byte, so the
# hook-layer decision explains the execve: a path-like value (subprocess passes it through
# os.fsencode), a bytes mapping (os.environb), a value that is not UTF-8 set in os.environ, and an
# environment of 17,000 variables (more entries than argv may usually hold; over the hook's report
# bound, so that one exec is judged at the kernel layer on its own, and still runs).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["pathlike-value 0 pathlike-value", "bytes-env 0 bytes-env", "nonutf8-changed-value 0 nonutf8-changed-value", "many 0 many"]}
# event: {"count": 1, "decision": "allow", "layer": "hook", "action": {"type": "process", "argv": ["/usr/bin/echo", "pathlike-value"], "env_changes": ["IRONGATE_TEST_DIR"]}}
# event: {"count": 1, "decision": "allow", "layer": "hook", "action": {"type": "process", "argv": ["/usr/bin/echo", "bytes-env"], "env_changes": ["IRONGATE_TEST_B"]}}
# event: {"count": 1, "decision": "allow", "layer": "hook", "action": {"type": "process", "argv": ["/usr/bin/echo", "nonutf8-changed-value"], "env_changes": ["IRONGATE_TEST_RAW"]}}
# event: {"count": 1, "decision": "allow", "layer": "syscall", "unexplained": true, "action": {"type": "process", "argv": ["/usr/bin/echo", "many"]}}
# no-event: {"layer": "syscall", "unexplained": true, "action": {"type": "process", "argv": "re:pathlike|bytes-env|nonutf8"}}
# no-event: {"decision": "block", "action": {"type": "process"}}
import os
import pathlib
import subprocess


def run(label, **kw):
    r = subprocess.run(["/usr/bin/echo", label], capture_output=True, text=True, **kw)
    print(label, r.returncode, r.stdout.strip())


run("pathlike-value", env={**os.environ, "IRONGATE_TEST_DIR": pathlib.Path("/tmp")})
run("bytes-env", env={**os.environb, b"IRONGATE_TEST_B": b"1"})
os.environ["IRONGATE_TEST_RAW"] = os.fsdecode(b"\xfe")
run("nonutf8-changed-value")
del os.environ["IRONGATE_TEST_RAW"]
run("many", env={**os.environ, **{f"IRONGATE_TEST_V{i}": "1" for i in range(17000)}})
