# shield.protect(profile="minimal") narrows: inside it a read is blocked with missing_capability:file.read, and after leaving it reads work again; @protect_agent(profile="minimal") does the same for a function, and the original's `from agentshield import shield, protect_agent` import works.
# irongate: {"exit": 0, "stdout": ["before: data", "inside: PermissionError", "after: data", "decorated: PermissionError", "after decorated: data"], "files": {"data.txt": "data"}}
# event: {"count": 3, "layer": "hook", "decision": "allow", "rule": {"name": "read-files"}, "action": {"type": "file", "subtype": "read", "path": "{WORK}/data.txt"}}
# event: {"count": 2, "layer": "hook", "decision": "block", "reason": "missing_capability:file.read", "rule": null, "action": {"type": "file", "subtype": "read", "path": "{WORK}/data.txt"}}
from agentshield import protect_agent, shield


def read():
    with open("data.txt") as f:
        return f.read()


print("before:", read())
with shield.protect(profile="minimal"):
    try:
        print("inside:", read())
    except PermissionError as e:
        print("inside:", type(e).__name__)
print("after:", read())


@protect_agent(profile="minimal")
def narrowed():
    return read()


try:
    print("decorated:", narrowed())
except PermissionError as e:
    print("decorated:", type(e).__name__)
print("after decorated:", read())
