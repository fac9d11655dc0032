# A benign agent runs clean under the built-in policy and the default profile (R-33, C.32): it imports json, re, pathlib, collections, reads ordinary files, lists a directory (iterdir and glob: two list decisions) and calls a tool; exit 0, no block, no review and no unexplained event at all.
# irongate: {"exit": 0, "stdout": ["words: 6", "top: the", "files: ['a.md', 'b.md', 'config.json']", "tool: summary of 2 docs", "model: tiny"], "files": {"docs/a.md": "the cat sat", "docs/b.md": "on the mat", "docs/config.json": "{\"model\": \"tiny\"}"}}
# event: {"count": 2, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "re:^{WORK}/docs/[ab]\\.md$"}}
# event: {"count": 2, "layer": "hook", "decision": "allow", "rule": {"name": "list-dirs"}, "action": {"type": "file", "subtype": "list", "path": "{WORK}/docs"}}
# event: {"count": 1, "layer": "api", "decision": "allow", "rule": {"name": "tools"}, "action": {"type": "tool", "tool_name": "summarize"}}
# no-event: {"decision": "block"}
# no-event: {"decision": "review"}
# no-event: {"unexplained": true}
import collections
import json
import re
from pathlib import Path

import irongate

docs = Path("docs")
names = sorted(p.name for p in docs.iterdir())
texts = [p.read_text() for p in sorted(docs.glob("*.md"))]
words = [w for t in texts for w in re.findall(r"\w+", t)]
print("words:", len(words))
print("top:", collections.Counter(words).most_common(1)[0][0])
print("files:", names)


@irongate.tool("summarize")
def summarize(items):
    return "summary of %d docs" % len(items)


print("tool:", summarize(texts))
print("model:", json.loads((docs / "config.json").read_text())["model"])
