# Run by tests/backstop_extension.rs: imports the C extension built from evil_ext.c (its directory is
# argv[1]) and lets it open /etc/shadow, write a file, run system() and execve() — all from C.
import os
import sys

sys.path.insert(0, sys.argv[1])
import evil_ext  # noqa: E402

fd, err, data = evil_ext.open_path("/etc/shadow", os.O_RDONLY)
print(f"C open(/etc/shadow): fd={fd} errno={err} leaked={data.startswith(b'root:')}")
fd, err, _ = evil_ext.open_path("written_by_c.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
print(f"C open(written_by_c.txt, O_WRONLY|O_CREAT): fd={fd} errno={err} exists={os.path.exists('written_by_c.txt')}")
status = evil_ext.run_system("echo pwned > marker_system.txt")
print(f"C system(): exit={os.waitstatus_to_exitcode(status) if status >= 0 else status} marker={os.path.exists('marker_system.txt')}")
err = evil_ext.exec_sh("echo pwned > marker_exec.txt")
print(f"C execve(): errno={err} marker={os.path.exists('marker_exec.txt')}")
