# A named pipe between two threads and between two processes: each open of a FIFO waits for the other
# end, and the other end's open is itself a checked call. Done on the notify loop, the first open
# would stall the loop and the second would never be answered (review 7: the run hung for good). Both
# ends open, the data crosses, and an open that waits does not hold up the agent's other calls.
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/allow-processes.json"], "exit": 0, "timeout": 60, "stdout": ["threads: hello", "other call while waiting: ok", "processes: 12345"]}
# no-event: {"decision": "block"}
import os
import threading

os.mkfifo("p1")
got = []


def reader():
    with open("p1") as f:  # waits for the writer below
        got.append(f.read())


t = threading.Thread(target=reader)
t.start()
# While the reader's open waits, other checked calls are answered.
with open("other.txt", "w") as f:
    f.write("x")
print("other call while waiting: ok", flush=True)
with open("p1", "w") as f:
    f.write("hello")
t.join(30)
print("threads:", got[0] if got else "nothing", flush=True)

os.mkfifo("p2")
pid = os.fork()
if pid == 0:
    with open("p2", "w") as f:
        f.write("12345")
    os._exit(0)
with open("p2") as f:
    print("processes:", f.read(), flush=True)
os.waitpid(pid, 0)
