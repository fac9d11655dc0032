# multiprocessing's spawn start method goes through _posixsubprocess without a subprocess.Popen event
# (audit-hooks.md 2.2), for the resource tracker and for the worker. Under `sandboxed` starting a process
# is not allowed: both execs of the interpreter (the launcher) are refused at the kernel layer,
# unexplained; the worker exits 255 without running the target, so nothing is written or executed.
# irongate: {"exit": 0, "stdout": ["start: exitcode 255", "marker exists: False"]}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "exec", "process_class": "python_child", "cmd": "re:multiprocessing\\.spawn import spawn_main"}}
# event: {"count": 1, "decision": "block", "layer": "syscall", "unexplained": true, "reason": "missing_capability:process.exec", "action": {"type": "process", "subtype": "exec", "process_class": "python_child", "cmd": "re:multiprocessing\\.resource_tracker import main"}}
# event: {"count": 2, "decision": "block"}
# no-event: {"decision": "allow", "action": {"type": "process"}}
import multiprocessing as mp
import os


def evil():
    with open("marker.txt", "w") as f:
        f.write("pwned")
    os.system("echo pwned > marker2.txt")


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    p = ctx.Process(target=evil)
    try:
        p.start()
        p.join(10)
        print("start: exitcode", p.exitcode)
    except PermissionError:
        print("start: PermissionError")
    print("marker exists:", os.path.exists("marker.txt") or os.path.exists("marker2.txt"))
