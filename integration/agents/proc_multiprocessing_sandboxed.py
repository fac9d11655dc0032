# multiprocessing (spawn) under `sandboxed`: its exec of the launcher raises no audit event, so the kernel layer decides it from the syscall: blocked with missing_capability:process.exec, logged unexplained; the worker never runs.
# irongate: {"exit": 0, "stdout": ["worker ran: False"]}
# event: {"layer": "syscall", "decision": "block", "reason": "missing_capability:process.exec", "unexplained": true, "action": {"type": "process", "subtype": "exec", "process_class": "python_child", "cmd": "re:spawn_main"}}
# no-event: {"decision": "allow", "action": {"type": "process"}}
# no-event: {"action": {"type": "file", "subtype": "write"}}
import multiprocessing as mp
import os


def worker():
    open("ran.txt", "w").write("x")


if __name__ == "__main__":
    p = mp.get_context("spawn").Process(target=worker)
    try:
        p.start()
        p.join(30)
    except OSError as e:
        print("start:", type(e).__name__)
    print("worker ran:", os.path.exists("ran.txt"))
