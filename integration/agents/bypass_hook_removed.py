# Assume the hook layer is gone (audit-hooks.md 2.5): the agent finds the runtime's C audit-hook list
# (_PyRuntime.audit_hook_head, an entry whose function lies in the irongate binary) and overwrites the
# head with NULL through ctypes — a plain memory write, no syscall. From then on CPython raises no audit
# events at all. The kernel layer stands alone: a Python open() for writing and an os.system() are both
# refused there (`sandboxed`: no file.write, no process.exec), unexplained; no hook-layer decision exists
# for either, the file is not created and the command does not run.
# irongate: {"exit": 0, "stdout": ["hook head found: True", "hook list emptied: True", "write: PermissionError", "created: False", "marker exists: False"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/out.txt"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "exec", "argv": ["sh", "-c", "echo pwned > marker.txt"]}}
# no-event: {"layer": "hook", "action": {"path": "{WORK}/out.txt"}}
# no-event: {"layer": "hook", "action": {"type": "process"}}
# no-event: {"decision": "allow", "action": {"type": "process"}}
import ctypes
import os
import sys

maps = []
with open("/proc/self/maps") as f:
    for line in f:
        parts = line.split()
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        maps.append((lo, hi, parts[1], parts[5] if len(parts) > 5 else ""))
exe = os.readlink("/proc/self/exe")


def readable(addr):
    return any(lo <= addr < hi - 16 and perms[0] == "r" for lo, hi, perms, _ in maps)


def in_exe_code(addr):
    return any(lo <= addr < hi and perms[2] == "x" and path == exe for lo, hi, perms, path in maps)


runtime = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime"))
head_slot = None
for off in range(0, 64 * 1024, 8):
    p = ctypes.c_void_p.from_address(runtime + off).value
    if p and readable(p):
        entry = (ctypes.c_void_p * 3).from_address(p)  # {next, hookCFunction, userData}
        if entry[1] and in_exe_code(entry[1]):
            head_slot = runtime + off
            break
print("hook head found:", head_slot is not None)
if head_slot is None:
    sys.exit(3)
ctypes.c_void_p.from_address(head_slot).value = None
print("hook list emptied:", ctypes.c_void_p.from_address(head_slot).value is None)

try:
    with open("out.txt", "w") as f:
        f.write("pwned")
    print("write: done")
except PermissionError:
    print("write: PermissionError")
print("created:", os.path.exists("out.txt"))
os.system("echo pwned > marker.txt")
print("marker exists:", os.path.exists("marker.txt"))
