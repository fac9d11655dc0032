# Thread-id recycling (best effort; caller.rs: nothing is cached across notifications). A forked child
# sits in ok/ and the parent in forbidden_dir/; both hold files v0..v59 of their own. Each process
# spawns short-lived threads (so thread ids are freed and reused quickly), each doing a raw relative
# unlink("vN"). A supervisor that resolved a recycled tid against the other process's cwd would judge
# one directory and act in another; here every forbidden_dir/ file survives and the child's deletes
# (all in ok/) are allowed.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "timeout": 120, "stdout": ["forbidden files left: 60/60", "parent deletes refused: 60/60", "child exit: 0"], "files": {"forbidden_dir/v0": "x", "forbidden_dir/v1": "x", "forbidden_dir/v2": "x", "forbidden_dir/v3": "x", "forbidden_dir/v4": "x", "forbidden_dir/v5": "x", "forbidden_dir/v6": "x", "forbidden_dir/v7": "x", "forbidden_dir/v8": "x", "forbidden_dir/v9": "x", "forbidden_dir/v10": "x", "forbidden_dir/v11": "x", "forbidden_dir/v12": "x", "forbidden_dir/v13": "x", "forbidden_dir/v14": "x", "forbidden_dir/v15": "x", "forbidden_dir/v16": "x", "forbidden_dir/v17": "x", "forbidden_dir/v18": "x", "forbidden_dir/v19": "x", "forbidden_dir/v20": "x", "forbidden_dir/v21": "x", "forbidden_dir/v22": "x", "forbidden_dir/v23": "x", "forbidden_dir/v24": "x", "forbidden_dir/v25": "x", "forbidden_dir/v26": "x", "forbidden_dir/v27": "x", "forbidden_dir/v28": "x", "forbidden_dir/v29": "x", "forbidden_dir/v30": "x", "forbidden_dir/v31": "x", "forbidden_dir/v32": "x", "forbidden_dir/v33": "x", "forbidden_dir/v34": "x", "forbidden_dir/v35": "x", "forbidden_dir/v36": "x", "forbidden_dir/v37": "x", "forbidden_dir/v38": "x", "forbidden_dir/v39": "x", "forbidden_dir/v40": "x", "forbidden_dir/v41": "x", "forbidden_dir/v42": "x", "forbidden_dir/v43": "x", "forbidden_dir/v44": "x", "forbidden_dir/v45": "x", "forbidden_dir/v46": "x", "forbidden_dir/v47": "x", "forbidden_dir/v48": "x", "forbidden_dir/v49": "x", "forbidden_dir/v50": "x", "forbidden_dir/v51": "x", "forbidden_dir/v52": "x", "forbidden_dir/v53": "x", "forbidden_dir/v54": "x", "forbidden_dir/v55": "x", "forbidden_dir/v56": "x", "forbidden_dir/v57": "x", "forbidden_dir/v58": "x", "forbidden_dir/v59": "x"}}
# event: {"decision": "block", "layer": "syscall", "unexplained": true, "rule": {"name": "forbidden-files"}, "action": {"type": "file", "subtype": "delete", "path": "re:^{WORK}/forbidden_dir/v[0-9]+$"}}
# no-event: {"decision": "allow", "action": {"subtype": "delete", "path": "re:forbidden"}}
import ctypes
import errno
import os
import sys
import threading

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_unlink = 87
N = 60
work = os.getcwd()
OK, FORB = os.path.join(work, "ok"), os.path.join(work, "forbidden_dir")
os.mkdir(OK)  # forbidden_dir/ and its files come from the test runner (creating them is refused)
for i in range(N):
    with open(os.path.join(OK, f"v{i}"), "w") as f:
        f.write("x")


def churn(results):
    def one(i):
        r = libc.syscall(SYS_unlink, f"v{i}".encode())
        results.append((r, ctypes.get_errno()))

    for i in range(N):
        t = threading.Thread(target=one, args=(i,))
        t.start()
        t.join()
        # a few idle threads in between, to move tids along
        for _ in range(2):
            x = threading.Thread(target=lambda: None)
            x.start()
            x.join()


pid = os.fork()
if pid == 0:
    os.chdir(OK)
    res = []
    churn(res)
    os._exit(0 if all(r == 0 for r, _ in res) else 3)
os.chdir(FORB)
res = []
churn(res)
_, status = os.waitpid(pid, 0)
os.chdir(work)
left = sum(os.path.exists(os.path.join(FORB, f"v{i}")) for i in range(N))
print(f"forbidden files left: {left}/{N}")
print(f"parent deletes refused: {sum(1 for r, e in res if r == -1 and e == errno.EACCES)}/{N}")
print("child exit:", os.waitstatus_to_exitcode(status))
print("ok files left:", sum(os.path.exists(os.path.join(OK, f"v{i}")) for i in range(N)), file=sys.stderr)
