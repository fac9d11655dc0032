# The i386 ABI from a 64-bit process: `int 0x80` enters the 32-bit syscall table (open is 5 there, not
# 2), with AUDIT_ARCH_I386 in the filter's view. The filter's bad-arch action kills the process (SIGSYS)
# before the call runs; the run exits 128+31 and nothing after it prints.
# irongate: {"exit": 159, "stdout": ["before"]}
import ctypes
import mmap
import sys

# mov eax, 20 (i386 getpid); int 0x80; ret
code = bytes([0xB8, 20, 0, 0, 0, 0xCD, 0x80, 0xC3])
buf = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
buf.write(code)
addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
fn = ctypes.CFUNCTYPE(ctypes.c_int)(addr)
print("before", flush=True)
r = fn()
print("after: int 0x80 returned", r, flush=True)
sys.exit(0)
