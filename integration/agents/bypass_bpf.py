# bpf() (321) is refused with EPERM: no maps, no programs (socket filters, kprobes) for the agent.
# irongate: {"exit": 0, "stdout": ["bpf(MAP_CREATE)=-1 errno=EPERM", "bpf(PROG_LOAD)=-1 errno=EPERM", "perf_event_open=-1 errno=EPERM", "userfaultfd=-1 errno=EPERM"]}
import ctypes
import errno

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_bpf, SYS_perf_event_open, SYS_userfaultfd = 321, 298, 323
attr = ctypes.create_string_buffer(128)
# BPF_MAP_CREATE: map_type=ARRAY(2), key_size=4, value_size=4, max_entries=1
ctypes.memmove(attr, (ctypes.c_uint32 * 4)(2, 4, 4, 1), 16)
r = libc.syscall(SYS_bpf, 0, attr, 128)
print(f"bpf(MAP_CREATE)={r} errno={errno.errorcode.get(ctypes.get_errno())}")
r = libc.syscall(SYS_bpf, 5, ctypes.create_string_buffer(128), 128)
print(f"bpf(PROG_LOAD)={r} errno={errno.errorcode.get(ctypes.get_errno())}")
r = libc.syscall(SYS_perf_event_open, ctypes.create_string_buffer(128), 0, -1, -1, 0)
print(f"perf_event_open={r} errno={errno.errorcode.get(ctypes.get_errno())}")
r = libc.syscall(SYS_userfaultfd, 0)
print(f"userfaultfd={r} errno={errno.errorcode.get(ctypes.get_errno())}")
