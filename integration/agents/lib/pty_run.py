"""Runs a command on a fresh pseudo-terminal as its session leader and foreground process group, as a
shell would run `irongate run` in a terminal, and drains the terminal like an emulator (never types).

    python3 pty_run.py [--no-landlock] COMMAND ARGS...

--no-landlock runs COMMAND with landlock_create_ruleset answering ENOSYS (a kernel without Landlock),
through a seccomp filter compiled here with gcc. Prints COMMAND's output, then its status.
"""
import os
import pty
import select
import subprocess
import sys
import tempfile
import time

NO_LANDLOCK_C = r"""
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv) {
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 444, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog p = {4, f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p)) {
        perror("seccomp");
        return 125;
    }
    execvp(argv[1], argv + 1);
    perror("exec");
    return 127;
}
"""


def main():
    argv = sys.argv[1:]
    if argv and argv[0] == "--no-landlock":
        d = tempfile.mkdtemp()
        src, exe = os.path.join(d, "nl.c"), os.path.join(d, "nl")
        with open(src, "w") as f:
            f.write(NO_LANDLOCK_C)
        subprocess.run(["gcc", "-O", "-o", exe, src], check=True)
        argv = [exe] + argv[1:]
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    out = b""
    deadline = time.time() + 30
    while time.time() < deadline:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
    _, st = os.waitpid(pid, 0)
    text = out.decode(errors="replace")
    while "...." in text:
        text = text.replace("....", ".")
    print(text)
    print("status:", f"signal {os.WTERMSIG(st)}" if os.WIFSIGNALED(st) else f"exit {os.WEXITSTATUS(st)}")


main()
