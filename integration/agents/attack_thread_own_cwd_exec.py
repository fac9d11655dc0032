# A thread made without CLONE_FS has a working directory of its own (R-4: a relative path is judged
# from the calling thread's cwd, not its process's). In a forked child whose main thread sits in
# /usr/bin, native code started with clone(CLONE_VM|CLONE_THREAD|CLONE_SIGHAND) but no CLONE_FS
# changes its own cwd to a scratch directory holding `cat` -> /usr/bin/sh and execve()s "cat"
# relative. Judged from the process's cwd that is /usr/bin/cat (known-programs: allow); from the
# thread's it is the shell (default-deny). Expected: the exec is judged as the shell and refused; no
# shell runs.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 120, "stdout": ["shell ran: 0 of 10", "refused: 10 of 10"]}
# event: {"decision": "block", "layer": "syscall", "action": {"type": "process", "subtype": "exec", "executable": "re:/(da|ba)?sh$"}}
# no-event: {"decision": "allow", "action": {"type": "process", "executable": "re:/(da|ba)?sh$"}}
import ctypes
import mmap
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from child_output import output_of  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
libc.clone.restype = ctypes.c_int
libc.clone.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
CLONE_VM, CLONE_SIGHAND, CLONE_THREAD, CLONE_SYSVSEM = 0x100, 0x800, 0x10000, 0x40000
work = os.environ["IRONGATE_TEST_WORK"]
trap = os.path.join(work, "trap")
os.makedirs(trap, exist_ok=True)
os.symlink("/usr/bin/sh", os.path.join(trap, "cat"))

# rdi = &{dir, prog, argv, envp}: chdir(dir); r = execve(prog, argv, envp); write(1, "EXECVE-FAILED\n"); exit(-r)
CODE = (
    b"\x48\x89\xfb"                  # mov rbx, rdi
    b"\x48\x8b\x3b"                  # mov rdi, [rbx]
    b"\xb8\x50\x00\x00\x00\x0f\x05"  # chdir
    b"\x48\x8b\x7b\x08"              # mov rdi, [rbx+8]
    b"\x48\x8b\x73\x10"              # mov rsi, [rbx+16]
    b"\x48\x8b\x53\x18"              # mov rdx, [rbx+24]
    b"\xb8\x3b\x00\x00\x00\x0f\x05"  # execve
    b"\x41\x89\xc4"                  # mov r12d, eax
    b"\xbf\x01\x00\x00\x00"          # mov edi, 1
    b"\x48\x8b\x73\x20"              # mov rsi, [rbx+32]  (message)
    b"\xba\x0e\x00\x00\x00"          # mov edx, 14
    b"\xb8\x01\x00\x00\x00\x0f\x05"  # write
    b"\xb8\xe7\x00\x00\x00"          # mov eax, 231 (exit_group)
    b"\x31\xff\x0f\x05"              # xor edi, edi; syscall
)

ran = refused = 0
for _ in range(10):
    def child():
        os.chdir("/usr/bin")
        code = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        code.write(CODE)
        fn = ctypes.addressof(ctypes.c_char.from_buffer(code))
        bufs = [ctypes.create_string_buffer(b) for b in (trap.encode(), b"cat", b"cat", b"-c",
                                                           b"echo RAN-A-SHELL", b"EXECVE-FAILED\n")]
        argv = (ctypes.c_void_p * 4)(*(ctypes.addressof(b) for b in bufs[2:5]), None)
        envp = (ctypes.c_void_p * 1)(None)
        args = (ctypes.c_void_p * 5)(ctypes.addressof(bufs[0]), ctypes.addressof(bufs[1]),
                                     ctypes.addressof(argv), ctypes.addressof(envp),
                                     ctypes.addressof(bufs[5]))
        stack = ctypes.create_string_buffer(64 * 1024)
        top = (ctypes.addressof(stack) + 64 * 1024 - 64) & ~15
        libc.clone(fn, top, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, ctypes.addressof(args))
        time.sleep(5)
        os._exit(3)
    out = output_of(child)
    ran += b"RAN-A-SHELL" in out
    refused += b"EXECVE-FAILED" in out
print(f"shell ran: {ran} of 10")
print(f"refused: {refused} of 10")
