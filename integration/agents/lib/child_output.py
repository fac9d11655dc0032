"""Runs a function in a forked child and returns what it printed (not an
agent itself: the runner takes only integration/agents/*.py).

The exec attack agents fork once per attempt: the child sets up its race and
calls execve, the parent reads the child's stdout and stderr to the end to
see which program, with which arguments, actually ran.
"""

import os
import traceback


def output_of(child) -> bytes:
    """Forks; the child runs `child()` with stdout and stderr on a pipe and
    never returns (it execs, or exits 1 after `child` returns or raises).
    Returns all the child wrote, once it has exited."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.dup2(w, 1)
            os.dup2(w, 2)
            child()
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(1)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 4096):
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    return b"".join(chunks)
