# An ordinary read is allowed under the built-in policy and the default profile.
# irongate: {"exit": 0, "stdout": ["hello from a file"], "files": {"notes.txt": "hello from a file"}}
# event: {"decision": "allow", "layer": "hook", "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt"}}
import os
work = os.environ["IRONGATE_TEST_WORK"]
# The file is created before the agent reads it (writes are not in `sandboxed`).
print(open(os.path.join(work, "notes.txt")).read())
