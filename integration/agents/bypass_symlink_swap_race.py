# Symlink swap race (R-23, audit-hooks.md 2.10): a thread flips `link` between ok.txt and /etc/shadow
# (os.symlink + os.replace, atomic) while the main thread opens `link` thousands of times. Whatever the
# interleaving the content of /etc/shadow is never read. The hook layer's note and the syscall are decided
# in one step (the open's notification), on the path the supervisor resolves at that moment, and the
# supervisor's own open is checked against what it judged: a swap shows up as a block of /etc/shadow.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 240, "stdout": ["forbidden content read: 0", "allowed reads > 0: True", "denied > 0: True", "flips >= 2000: True"], "files": {"ok.txt": "OK-CONTENT"}}
# event: {"decision": "block", "rule": {"name": "system-secrets"}, "action": {"type": "file", "subtype": "read", "path": "/etc/shadow"}}
# Rows carry what the agent asked for (R-23: `requested` is its spelling, never the other target's).
# no-event: {"action": {"path": "/etc/shadow", "requested": "re:ok\\.txt$"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"target": "/etc/shadow", "subtype": "re:^(read|write|link|rename)$"}}
import os
import sys
import threading

sys.setswitchinterval(1e-6)
# Absolute names for the flipper's own calls: what is raced is the open below, through `link`.
work = os.getcwd()
LINK, TMP = os.path.join(work, "link"), os.path.join(work, "link.tmp")
os.symlink("ok.txt", LINK)
stop = threading.Event()
flips = 0


def flipper():
    global flips
    targets = ("/etc/shadow", "ok.txt")
    while not stop.is_set():
        os.symlink(targets[flips % 2], TMP)
        os.replace(TMP, LINK)
        flips += 1


t = threading.Thread(target=flipper)
t.start()
allowed = denied = other = forbidden = 0
for i in range(20000):
    if i >= 3000 and flips >= 2000:
        break
    try:
        with open("link", "rb") as f:
            data = f.read()
    except PermissionError:
        denied += 1
        continue
    except OSError:
        other += 1
        continue
    if data == b"OK-CONTENT":
        allowed += 1
    else:
        forbidden += 1
stop.set()
t.join()
print("forbidden content read:", forbidden)
print("allowed reads > 0:", allowed > 0)
print("denied > 0:", denied > 0)
print("flips >= 2000:", flips >= 2000)
print(f"opens: allowed={allowed} denied={denied} other={other} flips={flips}", file=sys.stderr)
