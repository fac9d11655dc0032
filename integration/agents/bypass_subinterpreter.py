# A subinterpreter gets a fresh Python-level hook list (audit-hooks.md 2.3), but IronGate's hook is a C
# hook, global to the runtime: the os.system inside the subinterpreter is still seen and blocked at the
# hook layer (`sandboxed`: no process.exec). Creating the interpreter is recorded as a tripwire. The
# command never runs, and no exec reaches the kernel.
# irongate: {"exit": 0, "stdout": ["inside: PermissionError", "marker exists: False"]}
# event: {"count": 1, "decision": "block", "layer": "hook", "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "system", "cmd": "re:echo pwned > marker.txt"}}
# event: {"action": {"type": "tamper", "subtype": "cpython.PyInterpreterState_New"}}
# no-event: {"decision": "allow", "action": {"type": "process"}}
# no-event: {"action": {"type": "process", "subtype": "exec"}}
import os

import _xxsubinterpreters as interpreters

r, w = os.pipe()
interp = interpreters.create()
code = f"""
import os
try:
    rc = os.system("echo pwned > marker.txt")
    msg = "inside: ran rc=%d" % rc
except PermissionError:
    msg = "inside: PermissionError"
os.write({w}, msg.encode())
"""
interpreters.run_string(interp, code)
os.close(w)
print(os.read(r, 200).decode())
interpreters.destroy(interp)
print("marker exists:", os.path.exists("marker.txt"))
