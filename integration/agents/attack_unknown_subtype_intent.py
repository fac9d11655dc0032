# An action of a subtype IronGate does not know is judged by its spelling and explains no syscall:
# irongate.check of file/"zap" (and "execute", the original's chmod spelling, and "Truncate") on
# {WORK}/victim is allowed by the scratch rule, after which a raw libc truncate() of that same file
# must still be judged on its own and refused by the no-truncate rule. (Before typed action kinds the
# subtype-to-intent mapping fell back to "truncate" for a subtype it did not know; only its callers'
# guards kept an unknown subtype from reaching it.)
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/no-truncate.json"], "exit": 0, "files": {"victim": "precious"}, "stdout": ["zap: allow scratch", "zap truncate: refused", "execute: allow scratch", "execute truncate: refused", "Truncate: allow scratch", "Truncate truncate: refused", "victim size: 8"]}
# event: {"count": 3, "layer": "syscall", "unexplained": true, "decision": "block", "rule": {"name": "no-truncate"}, "action": {"type": "file", "subtype": "truncate", "path": "{WORK}/victim"}}
# no-event: {"decision": "allow", "action": {"type": "file", "subtype": "truncate"}}
import ctypes
import os

import irongate

libc = ctypes.CDLL(None, use_errno=True)
victim = os.path.join(os.getcwd(), "victim").encode()
for sub in ("zap", "execute", "Truncate"):
    r = irongate.check({"type": "file", "subtype": sub, "path": "victim"})
    print(f"{sub}:", r["decision"], (r["rule"] or {}).get("name") or r["reason"])
    rc = libc.truncate(victim, ctypes.c_long(0))
    print(f"{sub} truncate:", "refused" if rc != 0 else "done")
print("victim size:", os.stat("victim").st_size)
