# shutil under `trusted` with the built-in policy: copyfile and copytree's writes/mkdirs are allowed, but the mode copy (os.chmod) of shutil.copy/copytree is reviewed, rmtree (delete) and move (rename) are reviewed; all reviews time out and block.
# irongate: {"args": ["--profile", "trusted", "--review-timeout", "0.3"], "exit": 0, "stdout": ["copyfile: src", "copy: PermissionError data=src", "copytree: Error ['x.txt']", "rmtree: PermissionError", "move: PermissionError", "state: True True"], "files": {"src.txt": "src", "tree/x.txt": "x"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/plain.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/copy.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "links-and-permissions"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "chmod", "path": "{WORK}/copy.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/tree2"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "mkdir", "path": "{WORK}/tree2"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/tree2/x.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "deletes"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "delete", "path": "{WORK}/tree"}}
# event: {"count": 1, "layer": "hook", "decision": "review", "rule": {"name": "renames"}, "review": {"timeout": true}, "action": {"type": "file", "subtype": "rename", "path": "{WORK}/src.txt", "target": "{WORK}/moved.txt"}}
# no-event: {"layer": "syscall", "action": {"path": "re:^{WORK}"}}
# no-event: {"decision": "allow", "action": {"subtype": "re:^(delete|rename|chmod)$"}}
import os
import shutil

os.chdir("/")  # absolute paths only: relative ones are covered by path_relative_trusted.py
w = os.environ["IRONGATE_TEST_WORK"] + "/"
shutil.copyfile(w + "src.txt", w + "plain.txt")
print("copyfile:", open(w + "plain.txt").read())
try:
    shutil.copy(w + "src.txt", w + "copy.txt")
    print("copy: done")
except PermissionError as e:
    print("copy:", type(e).__name__, "data=" + open(w + "copy.txt").read())
try:
    shutil.copytree(w + "tree", w + "tree2", copy_function=shutil.copyfile)
    print("copytree: done")
except shutil.Error as e:
    print("copytree:", type(e).__name__, sorted(os.listdir(w + "tree2")))
for label, op in (("rmtree", lambda: shutil.rmtree(w + "tree")), ("move", lambda: shutil.move(w + "src.txt", w + "moved.txt"))):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("state:", os.path.exists(w + "tree/x.txt"), os.path.exists(w + "src.txt"))
