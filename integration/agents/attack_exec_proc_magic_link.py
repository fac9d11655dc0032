# Attack (review 5, fixed): an exec whose path goes through another process's /proc entry: the judge
# resolves it (and re-resolves it after the freeze) to the real path, but the process behind the
# entry shares nothing with the caller, is not stopped, and changes what the entry reaches before
# the kernel's own lookup. Mode "fd": execv("/proc/<H>/fd/7") where helper H keeps dup2()ing an
# O_PATH descriptor of /usr/bin/echo, then of /usr/bin/id, onto 7 (no writable directory involved).
# Mode "cwd": execv("/proc/<H>/cwd/echo") where H alternates chdir between /usr/bin and /tmp/r5c,
# whose "echo" is a symlink to /usr/bin/id.
# Output: id_ran = children where id ran (judged as /usr/bin/echo).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/exec_open_but_id.json"], "exit": 0, "timeout": 240, "stdout": ["id_ran=0 "]}
import os, sys, time
MODE = sys.argv[1] if len(sys.argv) > 1 else "cwd"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 60
if MODE == "cwd":
    os.makedirs("/tmp/r5c", exist_ok=True)
    try:
        os.unlink("/tmp/r5c/echo")
    except FileNotFoundError:
        pass
    os.symlink("/usr/bin/id", "/tmp/r5c/echo")
ready_r, ready_w = os.pipe()
h = os.fork()
if h == 0:
    end = time.time() + 40
    if MODE == "fd":
        e = os.open("/usr/bin/echo", os.O_PATH)
        i = os.open("/usr/bin/id", os.O_PATH)
        os.dup2(e, 7)
        os.write(ready_w, b"x")
        # Each state held for the same time (the loop's own bookkeeping after each dup2).
        while time.time() < end:
            os.dup2(i, 7)
            time.time()
            os.dup2(e, 7)
    else:
        # cwd: /usr/bin/echo vs /usr/sbin/... — H's cwd flips between /usr/bin and /tmp/r5c, where
        # /tmp/r5c/echo is a symlink to /usr/bin/id (never on the judged path itself).
        os.chdir("/usr/bin")
        os.write(ready_w, b"x")
        while time.time() < end:
            os.chdir("/tmp/r5c")
            time.time()
            os.chdir("/usr/bin")
    os._exit(0)
os.read(ready_r, 1)
path = f"/proc/{h}/fd/7" if MODE == "fd" else f"/proc/{h}/cwd/echo"
ids = echo = 0
kinds = {}
for k in range(N):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w, 1)
        os.dup2(w, 2)
        try:
            os.execv(path, ["prog", "hi"])
        except OSError as e:
            os.write(1, f"err {e.errno}\n".encode())
        os._exit(0)
    os.close(w)
    out = b""
    while True:
        b = os.read(r, 4096)
        if not b:
            break
        out += b
    os.close(r)
    os.waitpid(pid, 0)
    if b"no such user" in out or out.startswith(b"uid="):
        ids += 1
    elif out == b"hi\n":
        echo += 1
    else:
        kinds[out[:40]] = kinds.get(out[:40], 0) + 1
os.kill(h, 9)
os.waitpid(h, 0)
print(f"mode={MODE} attempts={N} echo={echo} id_ran={ids} other={kinds}")
