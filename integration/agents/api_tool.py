# @irongate.tool declares each call: an ordinary tool runs (rule tools), a sync and an async call both logged with arg names and a digest but never the values (C.37: the password stays out of the log); a dangerous tool lacks tool.invoke.dangerous, execute_arbitrary_code is blocked by its rule, a destructive one is reviewed and times out; blocked tools never run.
# irongate: {"args": ["--review-timeout", "0.2"], "exit": 0, "stdout": ["search: results for cats", "login: ok", "async fetch: fetched x", "delete_all_records: PermissionError", "execute_arbitrary_code: PermissionError", "drop_cache: PermissionError", "ran: ['search', 'login', 'fetch']"]}
# event: {"count": 1, "layer": "api", "decision": "allow", "rule": {"name": "tools"}, "action": {"type": "tool", "subtype": "invoke", "tool_name": "search", "arg_names": ["limit", "0"], "args_digest": "re:^[0-9a-f]{64}$"}}
# event: {"count": 1, "layer": "api", "decision": "allow", "rule": {"name": "tools"}, "action": {"type": "tool", "tool_name": "login", "arg_names": ["password", "0"]}}
# event: {"count": 1, "layer": "api", "decision": "allow", "rule": {"name": "tools"}, "action": {"type": "tool", "tool_name": "fetch"}}
# event: {"count": 1, "layer": "api", "decision": "block", "reason": "missing_capability:tool.invoke.dangerous", "action": {"type": "tool", "tool_name": "delete_all_records"}}
# event: {"count": 1, "layer": "api", "decision": "block", "reason": "Arbitrary code execution tool blocked", "rule": {"name": "arbitrary-code-tool"}, "action": {"type": "tool", "tool_name": "execute_arbitrary_code"}}
# event: {"count": 1, "layer": "api", "decision": "review", "rule": {"name": "destructive-tools"}, "review": {"timeout": true}, "action": {"type": "tool", "tool_name": "drop_cache"}}
# no-event: {"action": {"args": "re:"}}
# no-event: {"action": "re:hunter2"}
import asyncio

import irongate

ran = []


@irongate.tool("search")
def search(query, limit=3):
    ran.append("search")
    return "results for " + query


@irongate.tool("login")
def login(user, password):
    ran.append("login")
    return "ok"


@irongate.tool("fetch")
async def fetch(key):
    ran.append("fetch")
    return "fetched " + key


print("search:", search("cats", limit=2))
print("login:", login("bob", password="hunter2"))
print("async fetch:", asyncio.run(fetch("x")))
for name in ("delete_all_records", "execute_arbitrary_code", "drop_cache"):
    fn = irongate.tool(name)(lambda **kw: ran.append(name))
    try:
        fn(target="everything")
        print(name + ": ran")
    except PermissionError as e:
        print(name + ":", type(e).__name__)
print("ran:", ran)
