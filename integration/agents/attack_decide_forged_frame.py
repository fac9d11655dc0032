# _irongate.decide(layer, action, frame) takes the agent's frame (4341e3e): the frame is attribution only. A
# write claimed to come from IronGate's own bootstrap (`<irongate:irongate>`) or from the interpreter's start
# (`<frozen runpy>`) is still blocked for the action it is, on either layer, and an allowed read keeps its own
# verdict. A 200 000-character frame is logged cut to a path's length (and shown so to a reviewer), not as
# sent: the frame cannot blow up every row of the log.
# irongate: {"exit": 0, "stdout": ["api bootstrap frame: block missing_capability:file.write", "hook runpy frame: block missing_capability:file.write", "huge frame read: allow", "written: False"], "files": {"data.txt": "data"}}
# event: {"count": 1, "layer": "api", "decision": "block", "frame": "<irongate:irongate>:1", "action": {"type": "file", "subtype": "write", "path": "{WORK}/pwned.txt"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "frame": "<frozen runpy>:1", "action": {"type": "file", "subtype": "write", "path": "{WORK}/pwned.txt"}}
# event: {"count": 1, "layer": "api", "decision": "allow", "frame": "re:^A{1000}", "action": {"type": "file", "subtype": "read", "path": "{WORK}/data.txt"}}
# no-event: {"frame": "re:A{4200}"}
# no-event: {"decision": "allow", "action": {"subtype": "write"}}
import json
import os

import _irongate

work = os.environ["IRONGATE_TEST_WORK"]
write = json.dumps({"type": "file", "subtype": "write", "path": os.path.join(work, "pwned.txt")})
read = json.dumps({"type": "file", "subtype": "read", "path": os.path.join(work, "data.txt")})

d = _irongate.decide("api", write, "<irongate:irongate>:1")
print("api bootstrap frame:", d[0], d[1])
d = _irongate.decide("hook", write, "<frozen runpy>:1")
print("hook runpy frame:", d[0], d[1])
d = _irongate.decide("api", read, "A" * 200_000)
print("huge frame read:", d[0])
print("written:", os.path.exists(os.path.join(work, "pwned.txt")))
