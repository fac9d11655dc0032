# Thread churn under notes (best effort at recycled thread ids: Linux hands ids out cyclically, so a
# run sees reuse only once pid_max wraps). 300 short-lived threads, one after another, each with a
# connection and a note of its own whose registration ends when its connection closes:
# each reads its own file ok<N>.txt, then opens /etc/shadow and forbidden.txt. Every read returns that
# thread's content, every refusal names its own file, and every open is decided once at the hook layer
# (a stale registration of a recycled thread id never explains or misattributes an open).
# irongate: {"args": ["--profile", "trusted", "--policy", "{ROOT}/integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 120, "files": {"forbidden.txt": "secret"}, "stdout": ["threads: 300", "right content: 300", "shadow refusals naming shadow: 300", "forbidden refusals naming forbidden.txt: 300"]}
# event: {"count": 300, "decision": "block", "layer": "hook", "action": {"path": "/etc/shadow"}}
# event: {"count": 300, "decision": "block", "layer": "hook", "action": {"path": "{WORK}/forbidden.txt"}}
# no-event: {"layer": "syscall", "action": {"path": "re:^(/etc/shadow|{WORK}/(forbidden|ok[0-9]+)\\.txt)$"}}
# no-event: {"decision": "allow", "action": {"path": "re:shadow|forbidden"}}
import os
import threading

N = 300
for i in range(N):
    with open(f"ok{i}.txt", "w") as f:
        f.write(f"content {i}")
stats = {"right": 0, "shadow": 0, "forbidden": 0}
tids = []


def one(i):
    tids.append(threading.get_native_id())
    with open(f"ok{i}.txt") as f:
        stats["right"] += f.read() == f"content {i}"
    try:
        open("/etc/shadow")
    except PermissionError as e:
        stats["shadow"] += "/etc/shadow" in str(e)
    try:
        open("forbidden.txt")
    except PermissionError as e:
        stats["forbidden"] += "forbidden.txt" in str(e) and "shadow" not in str(e)


for i in range(N):
    t = threading.Thread(target=one, args=(i,))
    t.start()
    t.join()
print("threads:", len(tids))
print("right content:", stats["right"])
print("shadow refusals naming shadow:", stats["shadow"])
print("forbidden refusals naming forbidden.txt:", stats["forbidden"])
