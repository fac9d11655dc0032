# Attack (review 5, fixed): the exec re-resolution after the freeze only stops tasks that share the
# caller's memory, cwd or descriptors. A separate process that shares nothing keeps exchanging two
# symlinks in /tmp (renameat2 RENAME_EXCHANGE, allowed: /tmp/** may change): /tmp/r5w/prog -> /usr/bin/echo
# and /tmp/r5w/alt -> /usr/bin/id. Children execv("/tmp/r5w/prog", ["prog", "hi"]): judged (and
# re-resolved after the freeze) as /usr/bin/echo, the kernel's own lookup later may reach /usr/bin/id,
# which the policy blocks. Output: how many children ran id (it prints "prog: 'hi': no such user").
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/exec_open_but_id.json"], "exit": 0, "timeout": 240, "stdout": ["id_ran=0 "]}
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 60
D = "/tmp/r5w"
os.makedirs(D, exist_ok=True)
for n, t in (("prog", "/usr/bin/echo"), ("alt", "/usr/bin/id")):
    try:
        os.unlink(f"{D}/{n}")
    except FileNotFoundError:
        pass
    os.symlink(t, f"{D}/{n}")
sw = os.fork()
if sw == 0:
    a, b = f"{D}/prog".encode(), f"{D}/alt".encode()
    end = time.time() + 60
    while time.time() < end:
        libc.renameat2(-100, a, -100, b, 2)
    os._exit(0)
ids = echo = other = 0
kinds = {}
for i in range(N):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w, 1)
        os.dup2(w, 2)
        try:
            os.execv(f"{D}/prog", ["prog", "hi"])
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
    if out.startswith(b"uid=") or b"no such user" in out:
        ids += 1
    elif out == b"hi\n":
        echo += 1
    else:
        other += 1
        kinds[out[:40]] = kinds.get(out[:40], 0) + 1
os.kill(sw, 9)
os.waitpid(sw, 0)
print(f"attempts={N} echo={echo} id_ran={ids} other={other} {kinds}")
