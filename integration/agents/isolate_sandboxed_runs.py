# --isolate with the default `sandboxed` profile starts the agent (C.33, R-80): it runs in its own session, without PYTHON*/LD_* variables, core dumps off and no capabilities, and its decisions are logged as usual.
# irongate: {"args": ["--isolate", "--user", "root"], "exit": 0, "stdout": ["own session: True", "python/ld vars: []", "core limit: 0", "cap eff: 0000000000000000", "read: isolated"], "files": {"in.txt": "isolated"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/in.txt"}}
import os
import resource

print("own session:", os.getsid(0) == os.getpid())
print("python/ld vars:", sorted(k for k in os.environ if k.startswith(("PYTHON", "LD_", "DYLD_"))))
print("core limit:", resource.getrlimit(resource.RLIMIT_CORE)[1])
with open("/proc/self/status") as f:
    print("cap eff:", next(line.split()[1] for line in f if line.startswith("CapEff:")))
print("read:", open("in.txt").read())
