# Tamper tripwires are recorded once per event name and process: sys.addaudithook, sys.settrace, sys.setprofile and gc.get_objects each leave one `tamper` event (allowed by default: no tamper rule); the native hook (added before initialisation) runs before any hook the agent adds, so a write is still blocked with PermissionError.
# irongate: {"exit": 0, "stdout": ["write after own hook: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "reason": "tamper_tripwire: sys.addaudithook recorded", "action": {"type": "tamper", "subtype": "sys.addaudithook"}}
# event: {"count": 1, "layer": "hook", "action": {"type": "tamper", "subtype": "sys.settrace"}}
# event: {"count": 1, "layer": "hook", "action": {"type": "tamper", "subtype": "sys.setprofile"}}
# event: {"count": 1, "layer": "hook", "action": {"type": "tamper", "subtype": "gc.get_objects"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:file.write", "action": {"type": "file", "subtype": "write", "path": "{WORK}/after-hook.txt"}}
import gc
import sys


def agent_hook(event, args):
    if event == "open" and "after-hook" in str(args[0]):
        raise RuntimeError("the agent's own hook ran first")


sys.addaudithook(agent_hook)
sys.addaudithook(lambda e, a: None)
sys.settrace(None)
sys.settrace(None)
sys.setprofile(None)
gc.get_objects()
try:
    open("after-hook.txt", "w")
    print("write after own hook: done")
except PermissionError as e:
    print("write after own hook:", type(e).__name__)
