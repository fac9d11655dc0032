# An exec's arguments rewritten after the check by a process that shares the caller's memory without
# being one of its threads: in each forked child a sibling made with clone(CLONE_VM) — native
# code that flips argv[1] between "hello" and "forbidden" for a bounded number of rounds, then exits —
# runs while the child calls raw execve of /usr/bin/echo. The supervisor stops every process of the
# tree that kcmp shows to share the caller's memory, with its threads, before the exec continues and
# compares the arguments again, so no echo ever prints "forbidden".
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 180, "stdout": ["attempts=80", "clone_failed=0", "forbidden_printed=0", "hello_printed>0: True"]}
# no-event: {"decision": "allow", "action": {"type": "process", "argv": ["echo", "forbidden"]}}
import ctypes
import mmap
import os
import struct
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from child_output import output_of  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
libc.clone.restype = ctypes.c_int
libc.clone.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
CLONE_VM = 0x100
SIGCHLD = 17
ROUNDS = 4_000_000


def flipper_code():
    body = (
        b"\xc7\x07forb" b"\xc7\x47\x04idde" b"\x66\xc7\x47\x08n\x00"
        b"\xc7\x07hell" b"\xc7\x47\x04o\x00\x00\x00" b"\x66\xc7\x47\x08\x00\x00"
        b"\xff\xc9"  # dec ecx
    )
    jnz = b"\x75" + struct.pack("b", -(len(body) + 2))
    exit0 = b"\xb8\x3c\x00\x00\x00" b"\x31\xff" b"\x0f\x05"  # exit(0)
    return b"\xb9" + struct.pack("<I", ROUNDS) + body + jnz + exit0


CODE = flipper_code()
ATTEMPTS = 80
forbidden_printed = hello_printed = clone_failed = 0
for _ in range(ATTEMPTS):
    def child():
        code = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        code.write(CODE)
        fn = ctypes.addressof(ctypes.c_char.from_buffer(code))
        stack = ctypes.create_string_buffer(64 * 1024)
        top = (ctypes.addressof(stack) + 64 * 1024 - 64) & ~15
        word = ctypes.create_string_buffer(b"hello\0\0\0\0\0", 16)
        name = ctypes.create_string_buffer(b"echo")
        argv = (ctypes.c_void_p * 3)(ctypes.addressof(name), ctypes.addressof(word), None)
        if libc.clone(fn, top, CLONE_VM | SIGCHLD, ctypes.addressof(word)) < 0:
            os.write(1, b"CLONE-FAILED\n")
            os._exit(1)
        envp = (ctypes.c_char_p * 1)(None)
        libc.execve(b"/usr/bin/echo", argv, envp)
        os._exit(0)
    out = output_of(child)
    forbidden_printed += b"forbidden" in out
    hello_printed += b"hello" in out
    clone_failed += b"CLONE-FAILED" in out
print(f"attempts={ATTEMPTS}")
print(f"clone_failed={clone_failed}")
print(f"forbidden_printed={forbidden_printed}")
print(f"hello_printed>0: {hello_printed > 0}")
