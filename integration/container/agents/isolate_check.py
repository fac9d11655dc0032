# What an isolated agent can see of its start, as JSON: its
# environment (os.environ and /proc/self/environ), its descriptors beyond 2,
# its capabilities, session and user.
import json
import os

raw = open("/proc/self/environ", "rb").read()
names_in_block = sorted(e.split(b"=", 1)[0].decode() for e in raw.split(b"\0") if e)
fds = {}
listing = os.listdir("/proc/self/fd")
for fd in listing:
    try:
        fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        pass
status = {}
for line in open("/proc/self/status"):
    k, _, v = line.partition(":")
    status[k] = v.strip()
print(json.dumps({
    "environ": sorted(os.environ),
    "environ_block": names_in_block,
    "environ_block_text": raw.decode(errors="replace"),
    "fds": {k: v for k, v in fds.items() if int(k) > 2},
    "cap_eff": status.get("CapEff"),
    "cap_prm": status.get("CapPrm"),
    "cap_bnd": status.get("CapBnd"),
    "no_new_privs": status.get("NoNewPrivs"),
    "own_session": os.getsid(0) == os.getpid(),
    "uid": os.getuid(),
    "gid": os.getgid(),
    "core_limit": __import__("resource").getrlimit(__import__("resource").RLIMIT_CORE),
    "kept": os.environ.get("KEEP_TOKEN"),
}))
