# Threads doing file operations concurrently: while one thread's .env read is held for review (the GIL is released while it waits), three other threads finish 30 allowed reads and a blocked write each; the held read then times out and is blocked.
# irongate: {"args": ["--review-timeout", "1.5"], "exit": 0, "stdout": ["held: PermissionError", "workers: [30, 30, 30]", "workers finished while held: True"], "files": {".env": "SECRET=1", "data/a.txt": "a", "data/b.txt": "b", "data/c.txt": "c"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "sensitive-files"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/.env"}}
# event: {"count": 30, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/data/a.txt"}}
# event: {"count": 30, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/data/b.txt"}}
# event: {"count": 30, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/data/c.txt"}}
# event: {"count": 3, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "re:^{WORK}/data/out-[abc]\\.txt$"}}
# no-event: {"layer": "syscall", "action": {"path": "re:^{WORK}"}}
import threading
import time

held_started = threading.Event()
result = {}


def held():
    held_started.set()
    try:
        open(".env").read()
        result["held"] = "read"
    except PermissionError as e:
        result["held"] = type(e).__name__
    result["held_done"] = time.monotonic()


def worker(name, counts, done):
    held_started.wait()
    time.sleep(0.1)  # let the held read reach the supervisor first
    n = 0
    for _ in range(30):
        with open(f"data/{name}.txt") as f:
            n += len(f.read())
    try:
        open(f"data/out-{name}.txt", "w")
    except PermissionError:
        pass
    counts[name] = n
    done[name] = time.monotonic()


counts, done = {}, {}
threads = [threading.Thread(target=held)] + [threading.Thread(target=worker, args=(n, counts, done)) for n in "abc"]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("held:", result["held"])
print("workers:", [counts[n] for n in "abc"])
print("workers finished while held:", max(done.values()) < result["held_done"])
print("timing:", {k: round(v - result["held_done"], 3) for k, v in done.items()})
