# Under `trusted`, writes through os.open(O_WRONLY|O_CREAT), Path.write_text, Path.touch and tempfile.mkstemp are allowed by rule `writes`, logged once each as subtype write.
# irongate: {"args": ["--profile", "trusted"], "exit": 0, "stdout": ["os.open wrote 3", "write_text: via pathlib", "touch: True", "mkstemp: True"], "files": {"tmp/.keep": ""}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/raw.txt", "flags": 524353}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/p.txt", "mode": "w"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/touched"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "write", "path": "re:^{WORK}/tmp/tmp[^/]+$"}}
# no-event: {"layer": "syscall", "action": {"path": "re:^{WORK}"}}
# no-event: {"decision": "block"}
import os
import tempfile
from pathlib import Path

fd = os.open("raw.txt", os.O_WRONLY | os.O_CREAT)
print("os.open wrote", os.write(fd, b"raw"))
os.close(fd)
Path("p.txt").write_text("via pathlib")
print("write_text:", Path("p.txt").read_text())
Path("touched").touch()
print("touch:", Path("touched").exists())
fd, name = tempfile.mkstemp(dir="tmp")
os.close(fd)
print("mkstemp:", os.path.exists(name))
