# An exec's path and argv in a MAP_SHARED mapping, rewritten after the kernel-layer check by a forked
# process of the tree (its own address space: it shares no memory with the caller, so stopping the
# tasks that share the caller's memory does not stop it). Scenario "path": the supervisor would judge
# /usr/bin/cat (known-programs: allow) while the flipper makes it /usr/bin/sh (default-deny); scenario
# "argv": "echo xorbidden" flips to "forbidden" (forbidden-commands). Arguments that do not all lie in
# the caller's private anonymous memory get the whole tree stopped before the exec continues, and
# are compared again: no shell runs, no echo prints "forbidden".
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 180, "stdout": ["path: attempts=40 policy_bypassed=0 ", "argv: attempts=40 policy_bypassed=0 "]}
# no-event: {"decision": "allow", "action": {"type": "process", "argv": ["echo", "forbidden"]}}
# no-event: {"decision": "allow", "action": {"type": "process", "executable": "re:/(da|ba)?sh$"}}
import ctypes
import mmap
import os
import struct
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from child_output import output_of  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
ATTEMPTS = 40
shm = mmap.mmap(-1, 4096)  # MAP_SHARED | MAP_ANONYMOUS
base = ctypes.addressof(ctypes.c_char.from_buffer(shm))
code = mmap.mmap(-1, 4096, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS,
                 prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)


def flipper(a: bytes, b: bytes) -> bytes:
    # rdi = qword to flip, rsi = stop flag; alternate a/b until *rsi != 0
    body = b"\x48\x89\x07\xf3\x90\x48\x89\x17\xf3\x90\x80\x3e\x00"
    return (b"\x48\xb8" + a + b"\x48\xba" + b + body
            + b"\x74" + bytes([(256 - (len(body) + 2)) & 0xff]) + b"\xc3")


def run(name, path_off, qword_off, judged, real, argv, marker):
    shm[0x800] = 0
    code.seek(0)
    code.write(flipper(judged, real))
    fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)(
        ctypes.addressof(ctypes.c_char.from_buffer(code)))
    flip = os.fork()
    if flip == 0:
        fn(base + qword_off, base + 0x800)
        os._exit(0)
    hits = denied = clean = 0
    for _ in range(ATTEMPTS):
        def child():
            av = (ctypes.c_void_p * (len(argv) + 1))(*argv, None)
            envp = (ctypes.c_void_p * 1)(None)
            libc.execve(ctypes.c_void_p(base + path_off), av, envp)
            os.write(1, b"EXECVE-FAILED errno=%d\n" % ctypes.get_errno())
            os._exit(1)
        out = output_of(child)
        if b"EXECVE-FAILED" in out:
            denied += 1
        elif marker in out:
            hits += 1
        else:
            clean += 1
    shm[0x800] = 1
    os.waitpid(flip, 0)
    print(f"{name}: attempts={ATTEMPTS} policy_bypassed={hits} denied={denied} clean={clean}")


def cstr(off, s):
    shm[off:off + len(s) + 1] = s + b"\0"
    return base + off


# path: "/usr/bin" + qword "/cat\0\0\0\0" <-> "/sh\0\0\0\0\0"; sh -c prints its own name
shm[0x100:0x110] = b"/usr/bin/cat\0\0\0\0"
argv = [cstr(0x200, b"sh"), cstr(0x210, b"-c"),
        cstr(0x220, b"[ -n \"$BASH_VERSION$PPID\" ] && echo RAN-A-SHELL"), None][:-1]
run("path", 0x100, 0x108, b"/cat\0\0\0\0", b"/sh\0\0\0\0\0", argv, b"RAN-A-SHELL")

# argv: "echo" "xorbidden" <-> "forbidden" (the flipped qword is the word's first 8 bytes)
shm[0x300:0x310] = b"/usr/bin/echo\0\0\0"
shm[0x400:0x410] = b"xorbidden\0\0\0\0\0\0\0"
argv = [cstr(0x380, b"echo"), base + 0x400]
run("argv", 0x300, 0x400, b"xorbidde", b"forbidde", argv, b"forbidden")
