# The supervisor's memory through one of its threads: /proc/<tid>/mem names the same address space as
# /proc/<supervisor>/mem, but is not spelled under /proc/<supervisor>. The agent finds a thread of the
# supervisor (/proc/<supervisor>/task/<n> exists: a stat, which is not trapped) and opens
# its mem file. and R-42 (the supervisor is out of the agent's reach) this must be refused; the
# proof of a hole is reading the ELF header of the irongate binary out of the supervisor's memory.
# irongate: {"exit": 0, "stdout": ["found a supervisor thread: True", "mem: PermissionError", "supervisor memory read: False"]}
# event: {"count": 1, "decision": "block", "action": {"type": "file", "subtype": "read", "path": "re:^/proc/[0-9]+/(task/[0-9]+/)?mem$"}}
# no-event: {"decision": "allow", "action": {"path": "re:^/proc/[0-9]+/(task/[0-9]+/)?mem$"}}
import os
import sys

sup, me = os.getppid(), os.getpid()
# The supervisor's threads: /proc/<sup>/task/<n> exists exactly for them. stat is not trapped (and is
# no decision), so this finds them without opening anything of the supervisor's.
tid = next((n for n in range(sup + 1, sup + 200000) if os.path.exists(f"/proc/{sup}/task/{n}")), None)
print("found a supervisor thread:", tid is not None)
if tid is None:
    sys.exit(3)
leaked = False
base = None
try:
    with open(f"/proc/{tid}/maps") as f:
        base = next(int(line.split("-")[0], 16) for line in f if line.rstrip().endswith("/irongate"))
except (OSError, StopIteration):
    pass
try:
    with open(f"/proc/{tid}/mem", "rb") as f:
        f.seek(base or 0x400000)
        leaked = f.read(4) == b"\x7fELF"
    print("mem: opened")
except PermissionError:
    print("mem: PermissionError")
except OSError as e:
    print("mem:", type(e).__name__)
print("supervisor memory read:", leaked)
