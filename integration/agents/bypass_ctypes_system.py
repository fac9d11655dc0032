# libc system() through ctypes: no os.system audit event. The C library forks (clone; clone3 answers
# ENOSYS) and the child execs /bin/sh: that execve is unexplained, `sandboxed` lacks process.exec, the
# kernel layer refuses it, the shell never runs and the marker file is never written.
# irongate: {"exit": 0, "stdout": ["system status=127", "marker exists: False"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "exec", "executable": "re:^(/usr)?/bin/(da)?sh$", "argv": ["sh", "-c", "echo pwned > marker.txt"]}}
# no-event: {"action": {"type": "process", "subtype": "system"}}
# no-event: {"decision": "allow", "action": {"type": "process"}}
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
status = libc.system(b"echo pwned > marker.txt")
print(f"system status={os.waitstatus_to_exitcode(status) if status >= 0 else status}")
print("marker exists:", os.path.exists("marker.txt"))
