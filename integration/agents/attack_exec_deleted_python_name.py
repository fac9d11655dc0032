# Attack (review 6, open): an exec's process_class comes from events::is_python(exe), which stats the
# judged program's *name* (std::fs::metadata, symlinks followed) and compares (dev, ino) with the
# run's interpreter. For execveat(fd, "", AT_EMPTY_PATH) on an unlinked file the judged name is the
# kernel's text for the descriptor, "/tmp/r6dp/p (deleted)": a name no file has, so the agent can give
# it one. Here: /tmp/r6dp/p holds the bytes of /usr/bin/id, is opened, unlinked, and a symlink named
# "/tmp/r6dp/p (deleted)" is made to point at the run's Python interpreter (symlinks under /tmp are
# allowed). The exec of the descriptor is then judged a "python_child", which bypass_trusted's
# python-children rule allows, and the kernel runs the unlinked copy of id. The same with
# os.execv("/proc/self/fd/N") (judged at the hook layer and the kernel layer alike: the link reads
# back as the same "(deleted)" name). Output: how many of the two ran id.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 60, "stdout": ["deleted_id_ran=0 "]}
# no-event: {"decision": "allow", "action": {"type": "process", "process_class": "python_child", "argv": ["id"]}}
import ctypes, os, shutil, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from child_output import output_of

libc = ctypes.CDLL(None, use_errno=True)
SYS_execveat, AT_EMPTY_PATH = 322, 0x1000
D = "/tmp/r6dp"
os.makedirs(D, exist_ok=True)
interp = os.path.realpath(sys.executable)


def child(mode):
    p = f"{D}/p"
    for n in (p, p + " (deleted)"):
        try:
            os.unlink(n)
        except FileNotFoundError:
            pass
    shutil.copyfile("/usr/bin/id", p)
    os.chmod(p, 0o755)
    fd = os.open(p, os.O_RDONLY)
    os.unlink(p)
    os.symlink(interp, p + " (deleted)")
    if mode == "execveat":
        argv = (ctypes.c_char_p * 2)(b"id", None)
        envp = (ctypes.c_char_p * 1)(None)
        r = libc.syscall(SYS_execveat, fd, b"", argv, envp, AT_EMPTY_PATH)
        os.write(1, f"execveat={r} errno={ctypes.get_errno()}\n".encode())
    else:
        os.execv(f"/proc/self/fd/{fd}", ["id"])


outs = [output_of(lambda: child("execveat")), output_of(lambda: child("proc-fd"))]
ran = sum(1 for o in outs if o.startswith(b"uid="))
print(f"deleted_id_ran={ran} " + " | ".join(o[:50].decode(errors="replace").strip().splitlines()[-1] if o.strip() else "" for o in outs))
