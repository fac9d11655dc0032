# IronGate's home cannot be moved away by renaming a directory above it: under a policy allowing every file operation but reviewing secret.env, the agent tries to rename the directory holding the state directory away (then the moved database and signing key would be ordinary files, readable), to rename a prepared directory with a forged overlay.json (a remembered approval of every read) into its place (then the supervisor, which reads the overlay by path at every review, would allow the reviewed read), and the same two moves through ctypes renameat2 (the kernel layer), RENAME_EXCHANGE included. Every move of an ancestor of the home is blocked with irongate_state; the reviewed read times out (block) and the state directory stays where it was.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/files-review-secrets.json"], "exit": 0, "timeout": 60, "stdout": ["move away: PermissionError", "move fake in: PermissionError", "raw move away: EACCES", "move away slash: PermissionError", "raw move away slash: EACCES", "raw move away dotted: EACCES", "raw exchange: EACCES", "raw move fake in: EACCES", "moved db read: FileNotFoundError", "reviewed read: PermissionError", "home intact: True"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "rename", "target": "re:\\.moved$"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "rename", "path": "re:\\.fake$"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "rename", "target": "re:\\.rawmoved$"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "rename", "target": "re:\\.slash$"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "rename", "target": "re:\\.rawslash$"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "rename", "target": "re:\\.rawdots$"}}
# event: {"count": 2, "layer": "syscall", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "rename", "path": "re:\\.fake$"}}
# event: {"count": 1, "layer": "syscall", "decision": "block", "reason": "re:^irongate_state", "action": {"type": "file", "subtype": "rename", "path": "re:\\.fake$", "exchange": true}}
# no-event: {"decision": "allow", "action": {"type": "file", "subtype": "rename"}}
# no-event: {"decision": "allow", "action": {"subtype": "read", "path": "re:secret\\.env$"}}
import ctypes
import errno
import json
import os

work = os.environ["IRONGATE_TEST_WORK"]
top = os.path.dirname(work)  # holds work/ and home/ (the state directory)
home = os.path.join(top, "home")
os.chdir("/")

# The forged state directory: an overlay remembering every file read.
fake = top + ".fake"
os.makedirs(os.path.join(fake, "home"))
forged = {
    "version": 1,
    "next_id": 2,
    "allowances": [{
        "id": 1, "agent": "attack_home_ancestor_rename", "type": "file", "subtype": "read",
        "match": {"kind": "path_prefix", "dir": "/"},
        "created_by": "agent", "created_via": "cli", "created_at": 0.0, "from_event": 1,
    }],
}
with open(os.path.join(fake, "home", "overlay.json"), "w") as f:
    json.dump(forged, f)
with open(os.path.join(fake, "secret.env"), "w") as f:
    f.write("TOKEN=4711\n")

moved = top + ".moved"


def attempt(label, op):
    try:
        op()
        print(label + ": done")
        return True
    except OSError as e:
        print(label + ":", type(e).__name__)
        return False


away = attempt("move away", lambda: os.rename(top, moved))
fake_in = away and attempt("move fake in", lambda: os.rename(fake, top))
if not away:
    # Asked anyway: the target is the home's parent, which must not be replaced.
    fake_in = attempt("move fake in", lambda: os.rename(fake, top))

libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
RENAME_EXCHANGE = 2


def raw(label, src, dst, flags=0):
    r = libc.renameat2(AT_FDCWD, src.encode(), AT_FDCWD, dst.encode(), flags)
    if r == 0:
        print(label + ": done")
        return True
    print(label + ":", errno.errorcode.get(ctypes.get_errno(), "?"))
    return False


raw_away = raw("raw move away", top, top + ".rawmoved")
if raw_away:
    os.rename(top + ".rawmoved", top)
# Other spellings of the same directory: a trailing slash, a dot component.
if attempt("move away slash", lambda: os.rename(top + "//", top + ".slash")):
    os.rename(top + ".slash", top)
if raw("raw move away slash", top + "/", top + ".rawslash"):
    os.rename(top + ".rawslash", top)
if raw("raw move away dotted", os.path.join(work, "..", "..", os.path.basename(top)), top + ".rawdots"):
    os.rename(top + ".rawdots", top)
exchanged = raw("raw exchange", fake, top, RENAME_EXCHANGE)
if exchanged:
    raw("raw exchange back", fake, top, RENAME_EXCHANGE)
raw_in = raw("raw move fake in", top + ".fake", top)

# With the real directory moved away, its database would be an ordinary file.
try:
    with open(os.path.join(moved, "home", "irongate.db"), "rb") as f:
        print("moved db read:", len(f.read()), "bytes")
except OSError as e:
    print("moved db read:", type(e).__name__)

# Reviewed, nobody answers: a block after a second, unless a forged overlay decides.
secret = os.path.join(top, "secret.env") if (fake_in or raw_in) else os.path.join(fake, "secret.env")
try:
    with open(secret) as f:
        print("reviewed read:", f.read().strip())
except OSError as e:
    print("reviewed read:", type(e).__name__)

# Put things back so the harness reads the real log.
if fake_in or raw_in:
    os.rename(top, fake + ".used")
if away:
    os.rename(moved, top)
print("home intact:", os.path.isdir(home) and os.path.exists(os.path.join(home, "irongate.db")))
