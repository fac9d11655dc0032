# An MCP client (the mcp package's Client over Streamable HTTP, whose every call goes through
# ClientSession.call_tool) against the loopback MCP server the test starts, under read_only: each call is
# a tool/invoke (framework "mcp") — read_file allowed (its HTTP request carries in_tool), delete_file
# reviewed and denied by the 1 s timeout, run_shell blocked — the blocked/denied calls return a
# CallToolResult with is_error (no request reaches the server: the file it would delete is still there),
# and the session goes on (R-45, issue 10).
# irongate: {"args": ["--profile", "read_only", "--policy", "{ROOT}/integration/frameworks/policy.json"], "exit": 0, "stdout": ["read_file: ok hello", "delete_file: error irongate blocked tool/in", "run_shell: error irongate blocked tool/in", "tools: delete_file read_file run_shell", "notes.txt still there"], "stderr": ["blocked, 1 reviewed"], "files": {"notes.txt": "hello"}}
# event: {"count": 1, "decision": "allow", "action": {"type": "tool", "subtype": "invoke", "tool_name": "read_file", "framework": "mcp", "arg_names": ["path"], "args_digest": "re:^[0-9a-f]{64}$"}}
# event: {"count": 1, "decision": "review", "rule": {"name": "delete-tool"}, "review": {"timeout": true}, "action": {"type": "tool", "tool_name": "delete_file", "framework": "mcp", "arg_names": ["path"]}}
# event: {"count": 1, "decision": "block", "rule": {"name": "shell-tool"}, "action": {"type": "tool", "tool_name": "run_shell", "framework": "mcp", "arg_names": ["cmd"]}}
# event: {"decision": "allow", "rule": {"name": "model-endpoint"}, "action": {"type": "network", "subtype": "http", "method": "POST", "url": "re:/mcp$", "in_tool": "re:^read_file#1$"}}
# no-event: {"decision": "block", "action": {"type": "network"}}
# no-event: {"action": {"type": "process"}}
import asyncio
import os

from mcp import Client

work = os.environ["IRONGATE_TEST_WORK"]
notes = os.path.join(work, "notes.txt")


async def main():
    async with Client(os.environ["IRONGATE_TEST_MCP_URL"]) as client:
        listed = await client.list_tools()
        print("tools:", " ".join(sorted(t.name for t in listed.tools)))
        for name, args in [("read_file", {"path": notes}), ("delete_file", {"path": notes}), ("run_shell", {"cmd": "id"})]:
            result = await client.call_tool(name, args)
            text = "".join(getattr(c, "text", "") for c in result.content)
            print("%s: %s %s" % (name, "error" if result.is_error else "ok", text[:24]))


asyncio.run(main())
print("notes.txt still there" if os.path.exists(notes) else "notes.txt deleted")
