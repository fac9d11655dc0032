# The base of a noted open swapped under it. Thread A opens "shadow" relative to descriptor D with
# os.open(..., dir_fd=D) 1,500 times (noted with D); thread B keeps dup2()-ing onto D either {WORK}/d
# (where shadow holds "fine") or /etc. The note matches the syscall (same path, same D), but the
# supervisor resolves D itself, and the emulated open reads back what it reached: a D that changed
# between the judgement and the open is judged on the real file (/etc/shadow: blocked). No read ever
# returns /etc/shadow's content, and /etc/shadow is never allowed.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 240, "files": {"d/shadow": "fine"}, "stdout": ["tries: 1500", "shadow content read: 0", "both seen: True"]}
# event: {"decision": "block", "rule": {"name": "system-secrets"}, "action": {"type": "file", "path": "/etc/shadow"}}
# no-event: {"decision": "allow", "action": {"path": "/etc/shadow"}}
import os
import threading

work_d = os.open("d", os.O_RDONLY | os.O_DIRECTORY)
etc = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
D = os.dup(work_d)
stop = threading.Event()


def swapper():
    while not stop.is_set():
        os.dup2(etc, D)
        os.dup2(work_d, D)


t = threading.Thread(target=swapper, daemon=True)
t.start()
leaked = fine = refused = 0
for _ in range(1500):
    try:
        fd = os.open("shadow", os.O_RDONLY, dir_fd=D)
    except PermissionError:
        refused += 1
        continue
    data = os.read(fd, 4096)
    os.close(fd)
    if b"root:" in data:
        leaked += 1
    elif data == b"fine":
        fine += 1
stop.set()
t.join()
print("tries: 1500")
print("shadow content read:", leaked)
print("both seen:", fine > 0 and refused > 0)
