# An exec's argv rewritten after the check by a clone(CLONE_VM) sibling whose thread-group leader has
# exited (SYS_exit, not exit_group) while one of its threads lives on and flips argv[1] between
# "hello" and "forbidden". The zombie leader has no memory of its own to compare (kcmp would say
# "separate") and was left out of the agent's tree as a zombie; a process counts as alive, and as
# sharing the caller's memory, by any of its live threads. Expected: no echo prints "forbidden".
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 180, "stdout": ["mode=zombie attempts=40 forbidden_printed=0 "]}
# no-event: {"decision": "allow", "action": {"type": "process", "argv": ["echo", "forbidden"]}}
import ctypes
import mmap
import os
import struct
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from child_output import output_of  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
libc.clone.restype = ctypes.c_int
libc.clone.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
CLONE_VM = 0x100
SIGCHLD = 17
ROUNDS = 5000000
MODE = sys.argv[1] if len(sys.argv) > 1 else "zombie"
ATTEMPTS = 40


def flip_body(a, b):
    # rdi = &argv[1]; stores pointer a / pointer b alternately ROUNDS times (one aligned 8-byte
    # store each: never torn), then exit(0) (this thread only)
    body = b"\x48\x89\x07\xf3\x90\x48\x89\x17\xf3\x90\xff\xc9"  # mov [rdi],rax; pause; mov [rdi],rdx; pause; dec ecx
    jnz = b"\x75" + struct.pack("b", -(len(body) + 2))
    exit0 = b"\xb8\x3c\x00\x00\x00" b"\x31\xff" b"\x0f\x05"
    return (b"\x48\xb8" + struct.pack("<Q", a) + b"\x48\xba" + struct.pack("<Q", b)
            + b"\xb9" + struct.pack("<I", ROUNDS) + body + jnz + exit0)


def zombie_code(a, b):
    # entry: rdi = &argv[1], flag byte at rdi+32 (argv array is padded). Start a thread
    # (CLONE_THREAD) that flips, then the leader sets the flag and calls SYS_exit: a zombie leader
    # with a live thread.
    thread_entry = b"\x4c\x89\xe7" + flip_body(a, b)    # mov rdi, r12 ; flipper
    parent = (b"\x41\xc6\x44\x24\x20\x01"                 # mov byte [r12+32], 1
              b"\xb8\x3c\x00\x00\x00\x31\xff\x0f\x05")     # exit(0)
    head = (b"\x49\x89\xfc"                               # mov r12, rdi
            b"\xbf\x00\x0f\x01\x00"                       # mov edi, 0x10f00
            b"\x48\x8d\xb4\x24\x00\xc0\xff\xff"           # lea rsi, [rsp-0x4000]
            b"\x31\xd2\x4d\x31\xd2\x4d\x31\xc0"           # rdx=r10=r8=0
            b"\xb8\x38\x00\x00\x00\x0f\x05"               # clone
            b"\x48\x85\xc0")                              # test rax, rax
    jnz = b"\x75" + bytes([len(thread_entry)])            # parent -> skip thread code
    return head + jnz + thread_entry + parent


forbidden = hello = failed = other = 0
t0 = time.time()
for _ in range(ATTEMPTS):
    def child():
        hello_s = ctypes.create_string_buffer(b"hello")
        forb_s = ctypes.create_string_buffer(b"forbidden")
        ha, fa = ctypes.addressof(hello_s), ctypes.addressof(forb_s)
        code = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        code.write(zombie_code(ha, fa) if MODE == "zombie" else flip_body(ha, fa))
        fn = ctypes.addressof(ctypes.c_char.from_buffer(code))
        stack = ctypes.create_string_buffer(256 * 1024)
        top = (ctypes.addressof(stack) + 256 * 1024 - 64) & ~15
        name = ctypes.create_string_buffer(b"echo")
        argv = (ctypes.c_void_p * 8)(ctypes.addressof(name), ha, None)
        slot = ctypes.addressof(argv) + 8
        flag = ctypes.c_char.from_address(slot + 32)
        if libc.clone(fn, top, CLONE_VM | SIGCHLD, slot) < 0:
            os.write(1, b"CLONE-FAILED\n")
            os._exit(1)
        if MODE == "zombie":
            while flag.value == b"\0":
                pass
            time.sleep(0.002)
        envp = (ctypes.c_char_p * 1)(None)
        libc.execve(b"/usr/bin/echo", argv, envp)
        os.write(1, b"EXECVE-FAILED errno=%d\n" % ctypes.get_errno())
        os._exit(1)
    out = output_of(child)
    if b"forbidden" in out:
        forbidden += 1
    elif b"hello" in out:
        hello += 1
    elif b"EXECVE-FAILED" in out:
        failed += 1
    else:
        other += 1
        if other <= 3:
            print("other sample:", out[:200])
print(f"mode={MODE} attempts={ATTEMPTS} forbidden_printed={forbidden} hello={hello} "
      f"execve_failed={failed} other={other} secs={time.time() - t0:.1f}")
