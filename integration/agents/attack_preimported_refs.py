# Pre-imported references and fresh module copies (B.7-B.10) gain nothing: builtins.open captured before anything, `from os import remove as rm`, io.FileIO (B.29), a fresh importlib copy of subprocess and a re-imported shutil are all judged by the native hook: blocked in `sandboxed`.
# irongate: {"exit": 0, "stdout": ["orig open: PermissionError", "rm alias: PermissionError", "FileIO: PermissionError", "fresh subprocess: PermissionError", "fresh shutil: PermissionError", "intact: True"], "files": {"victim.txt": "v", "tree/x": "x"}}
# event: {"count": 2, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/out.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.delete", "action": {"type": "file", "subtype": "delete", "path": "{WORK}/victim.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:process.exec", "action": {"type": "process", "cmd": "touch pwned"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.delete", "action": {"type": "file", "subtype": "delete", "path": "{WORK}/tree"}}
# no-event: {"decision": "allow", "action": {"subtype": "re:^(write|delete)$"}}
# no-event: {"decision": "allow", "action": {"type": "process"}}
import builtins
import importlib.util
import io
import os
import subprocess
import sys
from os import remove as rm

orig_open = builtins.open
work = os.environ["IRONGATE_TEST_WORK"]


def fresh_subprocess():
    spec = importlib.util.spec_from_file_location("sp2", subprocess.__file__)
    sp2 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sp2)
    return sp2


def fresh_shutil():
    sys.modules.pop("shutil", None)
    import shutil as s2

    return s2


for label, op in (
    ("orig open", lambda: orig_open(os.path.join(work, "out.txt"), "w")),
    ("rm alias", lambda: rm(os.path.join(work, "victim.txt"))),
    ("FileIO", lambda: io.FileIO(os.path.join(work, "out.txt"), "w")),
    ("fresh subprocess", lambda: fresh_subprocess().run(["touch", "pwned"])),
    ("fresh shutil", lambda: fresh_shutil().rmtree(os.path.join(work, "tree"))),
):
    try:
        op()
        print(label + ": done")
    except PermissionError as e:
        print(label + ":", type(e).__name__)
print("intact:", os.path.exists("victim.txt") and os.path.exists("tree/x") and not os.path.exists("pwned"))
