# Attack (review 4, fixed): an exec is seen over only by what the agent cannot fake while the exec
# runs in the kernel. The freeze used to take a changed (or unreadable) /proc/<pid>/exe link as
# "the exec has copied its arguments"; the kernel's readlink fails with ENAMETOOLONG once the
# program's path is longer than PATH_MAX, which two ordinary directory renames under /tmp arrange
# (each judged path stays short). Here a hard link to the run's interpreter (the same file, so a
# "python_child" the policy allows; a copy would be a binary) is started, its directory moved deep,
# and its forked children run an allowed `echo hello` through raw execve with a second thread that
# rewrites argv[1] to "forbidden" as soon as the caller leaves its seccomp wait; a large environment
# (300000 pointers to one short string, copied by the kernel before argv) gives that thread time.
# Expected: no echo prints "forbidden" (was 8 of 8).
# Mode "toggle" reaches the same without long paths: an unfrozen process keeps renaming the link's
# directory, so the exe link differs before and after without any exec.
# Mode "shallow" is the control: the same without the renames.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted_links.json"], "exit": 0, "timeout": 180, "stdout": ["forbidden_printed=0 "]}
# no-event: {"decision": "allow", "action": {"type": "process", "argv": ["echo", "forbidden"]}}
import os
import shutil
import subprocess
import sys

MODE = sys.argv[1] if len(sys.argv) > 1 else "deep"
ATTEMPTS = sys.argv[2] if len(sys.argv) > 2 else "4"
BASE = f"/tmp/ig_r4_exe_{os.getpid()}"

CHILD = r'''
import ctypes, os, sys, threading, time, select, resource
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.syscall.restype = ctypes.c_long
MAP_PRIVATE, MAP_ANON, MAP_FIXED_NOREPLACE = 0x02, 0x20, 0x100000
B = 0x7e0000000000
ENV_COPIES = int(os.environ.get("R4_ENV", "300000"))
sys.stdin.readline()
try:
    exe = os.readlink("/proc/self/exe"); exe_state = "readable(len=%d)" % len(exe)
except OSError as e:
    exe_state = "unreadable(%s)" % e.strerror

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
    out = b""
    end = time.monotonic() + 4
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
        os.kill(pid, 9)
    except OSError:
        pass
    os.waitpid(pid, 0)
    return out

toggler = None
if len(sys.argv) > 2 and sys.argv[2] == "toggle":
    # A separate process (own memory, own cwd: not stopped by the exec freeze) keeps renaming
    # the directory of this interpreter's copy, so /proc/<pid>/exe reads differently from one
    # moment to the next without any exec.
    toggler = os.fork()
    if toggler == 0:
        d = os.path.dirname(os.path.dirname(exe))
        a, b = d + "/E", d + "/F"
        while True:
            os.rename(a, b)
            a, b = b, a
counts = {"forbidden": 0, "hello": 0, "failed": 0, "other": 0}
t0 = time.time()
for _ in range(int(sys.argv[1])):
    out = attempt()
    if b"forbidden" in out: counts["forbidden"] += 1
    elif b"hello" in out: counts["hello"] += 1
    elif b"EXECVE-FAILED" in out: counts["failed"] += 1
    else: counts["other"] += 1
    if time.time() - t0 > 60: break
if toggler:
    os.kill(toggler, 9)
print("exe=%s attempts=%d forbidden_printed=%d hello=%d execve_failed=%d other=%d secs=%.1f" % (
    exe_state, sum(counts.values()), counts["forbidden"], counts["hello"], counts["failed"],
    counts["other"], time.time() - t0), flush=True)
'''


def chain(root, n):
    d = root
    for i in range(n):
        d = d + "/" + ("c%02d" % i) * 26
    os.makedirs(d)
    return d


shutil.rmtree(BASE, ignore_errors=True)
os.makedirs(BASE + "/E")
# A hard link: the same file as the run's interpreter, so a python child (a copy is a binary).
real = os.path.realpath(sys.base_prefix + "/bin/python3.11")
os.link(real, BASE + "/E/python3")
with open(BASE + "/child.py", "w") as f:
    f.write(CHILD)
p = subprocess.Popen([BASE + "/E/python3", "-I", "-S", BASE + "/child.py", ATTEMPTS] +
                     (["toggle"] if MODE == "toggle" else []),
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
if MODE == "deep":
    a = chain(BASE + "/A", 26)
    os.rename(BASE + "/E", a + "/E")
    b = chain(BASE + "/B", 26)
    os.rename(BASE + "/A", b + "/A")
out, _ = p.communicate(b"go\n", timeout=170)
sys.stdout.write(out.decode(errors="replace"))
sys.stdout.flush()
if MODE == "deep":
    os.rename(b + "/A", BASE + "/A")  # short paths again, for the removal
shutil.rmtree(BASE, ignore_errors=True)
