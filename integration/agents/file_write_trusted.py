# Under `--profile trusted` the built-in policy allows ordinary writes (rule `writes`): open w/a/x/r+ succeed, each one decision at the hook layer, none re-decided at the kernel layer.
# irongate: {"args": ["--profile", "trusted"], "exit": 0, "stdout": ["content: 'HELLO\\nmore\\n'", "x: done"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "reason": "Ordinary file write", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/out.txt", "mode": "w"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/out.txt", "mode": "a"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/out.txt", "mode": "r+"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "writes"}, "action": {"type": "file", "subtype": "write", "path": "{WORK}/fresh.txt", "mode": "x"}}
# no-event: {"layer": "syscall", "action": {"path": "re:^{WORK}"}}
# no-event: {"decision": "block"}
# no-event: {"decision": "review"}
with open("out.txt", "w") as f:
    f.write("hello\n")
with open("out.txt", "a") as f:
    f.write("more\n")
with open("out.txt", "r+") as f:
    f.write("HELLO")
with open("out.txt") as f:
    print("content:", repr(f.read()))
with open("fresh.txt", "x") as f:
    f.write("new")
print("x: done")
