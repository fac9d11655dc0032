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


def output_until(r_out, pid, seconds, *, first_line=True, group=False) -> bytes:
    """The parent's side of a forked attempt whose child writes on `r_out`:
    reads for at most `seconds` (until the first newline when `first_line`),
    then kills the child (its process group when `group`: helpers it forked
    go too), reaps it and returns what was read."""
    import select
    import time
    out = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        rd, _, _ = select.select([r_out], [], [], max(0.0, end - time.monotonic()))
        if not rd:
            break
        chunk = os.read(r_out, 65536)
        if not chunk:
            break
        out += chunk
        if first_line and b"\n" in out:
            break
    os.close(r_out)
    try:
        (os.killpg if group else os.kill)(pid, 9)
    except OSError:
        pass
    os.waitpid(pid, 0)
    return out
