# The OpenAI Agents SDK's Runner with an OpenAIChatCompletionsModel against the loopback scripted model
# (chat-completions API over the openai SDK's httpx2, allowed by the policy's model-endpoint rule), under
# read_only: each FunctionTool call (@function_tool, sync and async) is a tool/invoke (framework
# "openai-agents") — read_file allowed (its file read, in the worker thread of a sync tool, carries
# in_tool), delete_file reviewed and denied by the 1 s timeout, run_shell blocked — and the blocked/denied
# calls come back to the model as the tool's output (IronGate's message); the model's answer shows it
# saw all three results (R-45, issue 10).
# irongate: {"args": ["--profile", "read_only", "--policy", "{ROOT}/integration/frameworks/policy.json"], "exit": 0, "stdout": ["final: done: hello | irongate blocked tool/in | irongate blocked tool/in", "notes.txt still there"], "stderr": ["blocked, 1 reviewed"], "files": {"notes.txt": "hello"}}
# event: {"count": 1, "decision": "allow", "action": {"type": "tool", "subtype": "invoke", "tool_name": "read_file", "framework": "openai-agents", "arg_names": ["path"], "args_digest": "re:^[0-9a-f]{64}$"}}
# event: {"count": 1, "decision": "review", "rule": {"name": "delete-tool"}, "review": {"timeout": true}, "action": {"type": "tool", "tool_name": "delete_file", "framework": "openai-agents", "arg_names": ["path"]}}
# event: {"count": 1, "decision": "block", "rule": {"name": "shell-tool"}, "action": {"type": "tool", "tool_name": "run_shell", "framework": "openai-agents", "arg_names": ["cmd"]}}
# event: {"decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt", "in_tool": "re:^read_file#1$"}}
# event: {"count": 4, "decision": "allow", "rule": {"name": "model-endpoint"}, "action": {"type": "network", "subtype": "http", "method": "POST", "url": "re:^http://127\\.0\\.0\\.1:[0-9]+/v1/chat/completions$"}}
# no-event: {"decision": "block", "action": {"type": "network"}}
# no-event: {"action": {"type": "process"}}
# no-event: {"action": {"type": "file", "subtype": "delete"}}
# A sync tool asked on the framework's worker thread carries the frame of the agent code that called it.
# no-event: {"action": {"type": "tool", "subtype": "invoke"}, "frame": "re:(concurrent/futures|asyncio/|threading\\.py)"}
import asyncio
import os

from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled
from openai import AsyncOpenAI

work = os.environ["IRONGATE_TEST_WORK"]
notes = os.path.join(work, "notes.txt")
set_tracing_disabled(True)


@function_tool
def read_file(path: str) -> str:
    """Read a file."""
    with open(path) as f:
        return f.read()


@function_tool
async def delete_file(path: str) -> str:
    """Delete a file."""
    os.remove(path)
    return "deleted"


@function_tool
def run_shell(cmd: str) -> str:
    """Run a shell command."""
    return os.popen(cmd).read()


client = AsyncOpenAI(base_url=os.environ["IRONGATE_TEST_MODEL_URL"] + "/v1", api_key="test", max_retries=0)
agent = Agent(
    name="files",
    instructions="Use the tools.",
    model=OpenAIChatCompletionsModel(model="scripted", openai_client=client),
    tools=[read_file, delete_file, run_shell],
)
result = asyncio.run(Runner.run(agent, notes))
print("final:", result.final_output)
print("notes.txt still there" if os.path.exists(notes) else "notes.txt deleted")
