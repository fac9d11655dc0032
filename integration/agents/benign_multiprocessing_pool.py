# Benign work stays clean: a multiprocessing Pool, with the fork and the spawn start method, under a policy
# that allows processes. Its workers, semaphores (/dev/shm/sem.*), pipes, the spawned workers' re-entry
# into IronGate and the pool's shutdown are all explained or allowed: nothing is blocked and no
# unexplained syscall is denied.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/allow-processes.json"], "exit": 0, "timeout": 120, "stdout": ["fork: [0, 1, 4, 9, 16, 25, 36, 49]", "spawn: [0, 1, 4, 9, 16, 25, 36, 49]", "in workers: True True"]}
# no-event: {"decision": "block"}
# no-event: {"decision": "review"}
import multiprocessing as mp
import os


def square(n):
    return n * n


def pid(_):
    return os.getpid()


if __name__ == "__main__":
    ran = []
    for method in ("fork", "spawn"):
        with mp.get_context(method).Pool(2) as pool:
            print(f"{method}:", pool.map(square, range(8)))
            pids = set(pool.map(pid, range(16)))
            ran.append(bool(pids) and os.getpid() not in pids)
    # The work ran in the pool's worker processes, not in the agent.
    print("in workers:", *ran)
