"""IronGate demo: a small "research agent" doing what agents do.

Run it with `scripts/demo` (built-in policy, default profile `sandboxed`).
Each step prints what IronGate decided; `irongate events --run last` then
shows the audit log.
"""
import os
import pathlib
import subprocess
import urllib.request

import irongate

workspace = pathlib.Path(os.environ.get("DEMO_WORKSPACE", "."))


def step(title, fn):
    try:
        result = fn()
        print(f"  allowed  {title}: {result}")
    except PermissionError as e:
        print(f"  blocked  {title}\n           -> {e}")


@irongate.tool("summarize")
def summarize(text):
    return text.split(".")[0] + "."


print("IronGate demo agent (profile: sandboxed, built-in policy)\n")
step("read notes.md", lambda: (workspace / "notes.md").read_text().strip()[:40] + "...")
step("list the workspace", lambda: sorted(os.listdir(workspace)))
step("call tool 'summarize'", lambda: summarize("IronGate decides every operation. It logs them."))
print("\n  (the next read is sensitive: it waits for a human; nobody approves, so it times out)")
step("read .env", lambda: (workspace / ".env").read_text())
step("write report.md", lambda: (workspace / "report.md").write_text("findings"))
step("run `ls`", lambda: subprocess.run(["ls"], capture_output=True).returncode)
step("fetch http://127.0.0.1:9/", lambda: urllib.request.urlopen("http://127.0.0.1:9/", timeout=1).status)
step("delete notes.md", lambda: os.remove(workspace / "notes.md"))
print("\nDone. Every decision above is in IronGate's hash-chained log.")
