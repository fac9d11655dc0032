# An open that creates, through a dangling symlink: the kernel follows the link and creates its target.
# The policy blocks everything below {WORK}/blocked/ and allows the rest of /tmp, symlinks included.
# The agent makes links (relative, absolute, a chain of two) in {WORK} that point at missing files in
# blocked/, then opens each for writing with open() and with libc open(O_WRONLY|O_CREAT). On main the
# path was judged as the link's own name (allowed), the emulated open created blocked/<name>, and only
# the read-back refused the descriptor: the file stayed. Now a dangling link is resolved to its target:
# every open is refused before anything is created, and blocked/ stays empty.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/blocked-dir.json"], "exit": 0, "stdout": ["rel python: PermissionError", "rel raw: fd=-1", "abs python: PermissionError", "abs raw: fd=-1", "chain python: PermissionError", "chain raw: fd=-1", "created in blocked/: []"]}
# event: {"count": 6, "decision": "block", "rule": {"name": "blocked-dir"}, "action": {"type": "file", "subtype": "write", "path": "re:^{WORK}/blocked/(rel|abs)$"}}
# no-event: {"decision": "allow", "action": {"subtype": "write", "path": "re:^{WORK}/(rel|abs|chain)$"}}
# no-event: {"decision": "allow", "action": {"path": "re:/work/blocked/"}}
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
work = os.getcwd()
os.mkdir("blocked")
os.symlink("blocked/rel", "rel")
os.symlink(os.path.join(work, "blocked", "abs"), "abs")
os.symlink("abs", "chain")
for name in ("rel", "abs", "chain"):
    try:
        with open(name, "w") as f:
            f.write("planted")
        print(f"{name} python: opened")
    except PermissionError:
        print(f"{name} python: PermissionError")
    fd = libc.open(os.path.join(work, name).encode(), os.O_WRONLY | os.O_CREAT, 0o644)
    print(f"{name} raw: fd={fd}" if fd >= 0 else f"{name} raw: fd=-1")
print("created in blocked/:", sorted(os.listdir("blocked")))
