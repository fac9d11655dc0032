# cffi in ABI mode (`ffi.dlopen(None)`) raises no audit event at all: system() forks and execs /bin/sh
# without the hook knowing. The kernel layer refuses the unexplained exec (`sandboxed`: no process.exec).
# irongate: {"exit": 0, "stdout": ["system status=127", "marker exists: False"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "exec", "executable": "re:^(/usr)?/bin/(da)?sh$", "argv": ["sh", "-c", "echo pwned > marker.txt"]}}
# no-event: {"action": {"type": "process", "subtype": "system"}}
# no-event: {"decision": "allow", "action": {"type": "process"}}
import os

import cffi

ffi = cffi.FFI()
ffi.cdef("int system(const char *command);")
C = ffi.dlopen(None)
status = C.system(b"echo pwned > marker.txt")
print(f"system status={os.waitstatus_to_exitcode(status) if status >= 0 else status}")
print("marker exists:", os.path.exists("marker.txt"))
