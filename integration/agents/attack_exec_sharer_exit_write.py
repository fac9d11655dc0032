# A clone(CLONE_VM) sibling that the exec freeze stops still writes the caller's memory if it is
# killed: SIGKILL ends a ptrace stop, and on its way out the kernel writes 4 zero bytes at its
# clear_child_tid (here &argv[1]), moving argv[1] from "hello" to "forbidden" after the re-check. The
# kill comes from a plain fork (no shared memory, not stopped) that watches the caller leave its
# seccomp wait; a large environment widens the window. The freeze attaches with PTRACE_O_TRACEEXIT,
# so a killed task is held at its exit, before that write, until the exec has its copy. Expected: no
# echo prints "forbidden" (13-15 of 60 did before).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 180, "stdout": ["attempts=60 forbidden_printed=0 "]}
# no-event: {"decision": "allow", "action": {"type": "process", "argv": ["echo", "forbidden"]}}
import ctypes
import os
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.clone.restype = ctypes.c_int
libc.clone.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                       ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
libc.syscall.restype = ctypes.c_long
libc.kill.argtypes = [ctypes.c_int, ctypes.c_int]
CLONE_VM = 0x100
CLONE_CHILD_CLEARTID = 0x00200000
SIGCHLD = 17
MAP_PRIVATE, MAP_ANON, MAP_FIXED_NOREPLACE = 0x02, 0x20, 0x100000
BASE = 0x7e0000000000
ATTEMPTS = int(sys.argv[1]) if len(sys.argv) > 1 else 60
ENV_COPIES = int(sys.argv[2]) if len(sys.argv) > 2 else 55
ENV_LEN = 100_000
# Q: pause() forever
Q_CODE = b"\xb8\x22\x00\x00\x00\x0f\x05\xeb\xf7"


def attempt():
    r_out, w_out = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setpgid(0, 0)
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
        want = 64 << 20
        if hard == resource.RLIM_INFINITY or hard >= want:
            resource.setrlimit(resource.RLIMIT_STACK, (want, hard))
        os.dup2(w_out, 1)
        os.dup2(w_out, 2)
        size = 0x10000 + ENV_LEN + 0x10000
        m = libc.mmap(BASE, size, 3, MAP_PRIVATE | MAP_ANON | MAP_FIXED_NOREPLACE, -1, 0)
        if m != BASE:
            os.write(1, b"MMAP-FAILED\n")
            os._exit(1)
        ctypes.memmove(BASE, b"forbidden\0", 10)
        ctypes.memmove(BASE + 0x1000, b"hello\0", 6)
        ctypes.memmove(BASE + 0x1100, b"echo\0", 5)
        ctypes.memmove(BASE + 0x1200, b"/usr/bin/echo\0", 14)
        argv = (ctypes.c_uint64 * 4).from_address(BASE + 0x2000)
        argv[0], argv[1], argv[2] = BASE + 0x1100, BASE + 0x1000, 0
        big = BASE + 0x10000
        ctypes.memmove(big, b"BIG=" + b"a" * (ENV_LEN - 5) + b"\0", ENV_LEN)
        envp = (ctypes.c_uint64 * (ENV_COPIES + 1)).from_address(BASE + 0x3000)
        for i in range(ENV_COPIES):
            envp[i] = big
        envp[ENV_COPIES] = 0
        code = libc.mmap(None, 4096, 7, MAP_PRIVATE | MAP_ANON, -1, 0)
        ctypes.memmove(code, Q_CODE, len(Q_CODE))
        stack = libc.mmap(None, 65536, 3, MAP_PRIVATE | MAP_ANON, -1, 0)
        q = libc.clone(code, stack + 65536 - 64, CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD, None,
                       None, None, BASE + 0x2000 + 8)
        if q < 0:
            os.write(1, b"CLONE-FAILED\n")
            os._exit(1)
        me = os.getpid()
        rr, rw = os.pipe()
        killer = os.fork()
        if killer == 0:
            fd = os.open(f"/proc/{me}/stat", os.O_RDONLY)
            os.write(rw, b"x")
            seen_d = False
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                s = os.pread(fd, 512, 0)
                st = s[s.rindex(b")") + 2:s.rindex(b")") + 3]
                if st == b"D":
                    seen_d = True
                elif seen_d:
                    libc.kill(q, 9)
                    break
            os._exit(0)
        os.read(rr, 1)
        time.sleep(0.01)
        libc.syscall(59, ctypes.c_uint64(BASE + 0x1200), ctypes.c_uint64(BASE + 0x2000),
                     ctypes.c_uint64(BASE + 0x3000))
        os.write(1, b"EXECVE-FAILED errno=%d\n" % ctypes.get_errno())
        libc.kill(q, 9)
        os._exit(1)
    os.close(w_out)
    out = b""
    import select
    end = time.monotonic() + 3
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
        os.killpg(pid, 9)
    except OSError:
        pass
    os.waitpid(pid, 0)
    return out


counts = {"forbidden": 0, "hello": 0, "failed": 0, "other": 0}
t0 = time.time()
for _ in range(ATTEMPTS):
    out = attempt()
    if b"forbidden" in out:
        counts["forbidden"] += 1
    elif b"hello" in out:
        counts["hello"] += 1
    elif b"EXECVE-FAILED" in out:
        counts["failed"] += 1
    else:
        counts["other"] += 1
        if counts["other"] <= 3:
            print("other sample:", out[:200])
    if time.time() - t0 > 25:
        break
n = sum(counts.values())
print(f"attempts={n} forbidden_printed={counts['forbidden']} hello={counts['hello']} "
      f"execve_failed={counts['failed']} other={counts['other']} secs={time.time() - t0:.1f}")
