# multiprocessing with the spawn start method under a policy that allows processes: the worker is a Python child that re-enters IronGate; its spawn is decided once, and the worker's read and write are decided in the same run under its own pid.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/allow-processes.json"], "exit": 0, "stdout": ["worker read: input", "exitcode: 0", "result: done by worker"], "files": {"in.txt": "input"}}
# event: {"count": 1, "decision": "allow", "rule": {"name": "processes"}, "action": {"type": "process", "process_class": "python_child", "cmd": "re:spawn_main"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "reads"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/in.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "scratch-writes"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/out.txt"}}
# no-event: {"decision": "block"}
import multiprocessing as mp
import os


def worker(work):
    print("worker read:", open(os.path.join(work, "in.txt")).read(), flush=True)
    with open(os.path.join(work, "out.txt"), "w") as f:
        f.write("done by worker")


if __name__ == "__main__":
    work = os.environ["IRONGATE_TEST_WORK"]
    p = mp.get_context("spawn").Process(target=worker, args=(work,))
    p.start()
    p.join(30)
    print("exitcode:", p.exitcode)
    print("result:", open(os.path.join(work, "out.txt")).read())
