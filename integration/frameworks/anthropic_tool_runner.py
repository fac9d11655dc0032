# The anthropic SDK's own tool-use loop (client.beta.messages.tool_runner with @beta_tool and
# @beta_async_tool functions, sync and async clients) against the loopback scripted model (Messages API over
# httpx2, allowed by the policy's model-endpoint rule), under read_only: each tool call is a tool/invoke
# (framework "anthropic") — read_file allowed (its file read carries in_tool), delete_file reviewed and
# denied by the 1 s timeout, run_shell blocked — and the blocked/denied calls come back to the model as
# is_error tool results with IronGate's message (a ToolError); the model's answer shows all three (R-45,
# issue 10).
# irongate: {"args": ["--profile", "read_only", "--policy", "{ROOT}/integration/frameworks/policy.json"], "exit": 0, "stdout": ["sync final: done: hello | irongate blocked tool/in | irongate blocked tool/in", "async final: done: hello | irongate blocked tool/in | irongate blocked tool/in", "notes.txt still there"], "stderr": ["blocked, 2 reviewed"], "files": {"notes.txt": "hello"}}
# event: {"count": 2, "decision": "allow", "action": {"type": "tool", "subtype": "invoke", "tool_name": "read_file", "framework": "anthropic", "arg_names": ["path"], "args_digest": "re:^[0-9a-f]{64}$"}}
# event: {"count": 2, "decision": "review", "rule": {"name": "delete-tool"}, "review": {"timeout": true}, "action": {"type": "tool", "tool_name": "delete_file", "framework": "anthropic", "arg_names": ["path"]}}
# event: {"count": 2, "decision": "block", "rule": {"name": "shell-tool"}, "action": {"type": "tool", "tool_name": "run_shell", "framework": "anthropic", "arg_names": ["cmd"]}}
# event: {"count": 2, "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt", "in_tool": "re:^read_file#[0-9]+$"}}
# event: {"count": 8, "decision": "allow", "rule": {"name": "model-endpoint"}, "action": {"type": "network", "subtype": "http", "method": "POST", "url": "re:^http://127\\.0\\.0\\.1:[0-9]+/v1/messages"}}
# no-event: {"decision": "block", "action": {"type": "network"}}
# no-event: {"action": {"type": "process"}}
# no-event: {"action": {"type": "file", "subtype": "delete"}}
import asyncio
import os

from anthropic import Anthropic, AsyncAnthropic, beta_async_tool, beta_tool

work = os.environ["IRONGATE_TEST_WORK"]
notes = os.path.join(work, "notes.txt")
url = os.environ["IRONGATE_TEST_MODEL_URL"]


@beta_tool
def read_file(path: str) -> str:
    """Read a file.

    Args:
        path: the file
    """
    with open(path) as f:
        return f.read()


@beta_tool
def delete_file(path: str) -> str:
    """Delete a file.

    Args:
        path: the file
    """
    os.remove(path)
    return "deleted"


@beta_tool
def run_shell(cmd: str) -> str:
    """Run a shell command.

    Args:
        cmd: the command
    """
    return os.popen(cmd).read()


def final_text(message):
    return "".join(b.text for b in message.content if b.type == "text")


client = Anthropic(base_url=url, api_key="test", max_retries=0)
runner = client.beta.messages.tool_runner(
    model="scripted", max_tokens=100, tools=[read_file, delete_file, run_shell], messages=[{"role": "user", "content": notes}]
)
print("sync final:", final_text(runner.until_done()))


@beta_async_tool
async def aread_file(path: str) -> str:
    """Read a file.

    Args:
        path: the file
    """
    with open(path) as f:
        return f.read()


@beta_async_tool
async def adelete_file(path: str) -> str:
    """Delete a file.

    Args:
        path: the file
    """
    os.remove(path)
    return "deleted"


@beta_async_tool
async def arun_shell(cmd: str) -> str:
    """Run a shell command.

    Args:
        cmd: the command
    """
    return os.popen(cmd).read()


# the scripted model calls tools by these names
aread_file.name, adelete_file.name, arun_shell.name = "read_file", "delete_file", "run_shell"


async def main():
    aclient = AsyncAnthropic(base_url=url, api_key="test", max_retries=0)
    runner = aclient.beta.messages.tool_runner(
        model="scripted",
        max_tokens=100,
        tools=[aread_file, adelete_file, arun_shell],
        messages=[{"role": "user", "content": notes}],
    )
    print("async final:", final_text(await runner.until_done()))


asyncio.run(main())
print("notes.txt still there" if os.path.exists(notes) else "notes.txt deleted")
