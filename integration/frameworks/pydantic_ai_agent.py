# pydantic-ai's Agent driven by its own FunctionModel (no network), under read_only: each call of a
# registered tool (plain and with RunContext, sync and async) is a tool/invoke (framework
# "pydantic-ai") — read_file allowed (its file read carries in_tool), delete_file reviewed and denied by
# the 1 s timeout, run_shell blocked — and the blocked/denied calls come back to the model as retries
# (outcome "retried") with IronGate's message; the run finishes with the model's answer (R-45, issue 10).
# irongate: {"args": ["--profile", "read_only", "--policy", "{ROOT}/integration/frameworks/policy.json"], "exit": 0, "stdout": ["read_file: success hello", "delete_file: retried irongate blocked", "run_shell: retried irongate blocked", "final: done 3", "notes.txt still there"], "stderr": ["blocked, 1 reviewed"], "files": {"notes.txt": "hello"}}
# event: {"count": 1, "decision": "allow", "action": {"type": "tool", "subtype": "invoke", "tool_name": "read_file", "framework": "pydantic-ai", "arg_names": ["path"], "args_digest": "re:^[0-9a-f]{64}$"}}
# event: {"count": 1, "decision": "review", "rule": {"name": "delete-tool"}, "review": {"timeout": true}, "action": {"type": "tool", "tool_name": "delete_file", "framework": "pydantic-ai", "arg_names": ["path"]}}
# event: {"count": 1, "decision": "block", "rule": {"name": "shell-tool"}, "action": {"type": "tool", "tool_name": "run_shell", "framework": "pydantic-ai", "arg_names": ["cmd"]}}
# event: {"decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt", "in_tool": "re:^read_file#1$"}}
# no-event: {"action": {"type": "process"}}
# no-event: {"action": {"type": "file", "subtype": "delete"}}
# A sync tool asked on the framework's worker thread carries the frame of the agent code that called it.
# no-event: {"action": {"type": "tool", "subtype": "invoke"}, "frame": "re:(concurrent/futures|asyncio/|threading\\.py)"}
import os

from pydantic_ai import Agent, RunContext
from pydantic_ai.messages import (
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
)
from pydantic_ai.models.function import FunctionModel

work = os.environ["IRONGATE_TEST_WORK"]
notes = os.path.join(work, "notes.txt")
CALLS = [("read_file", {"path": notes}), ("delete_file", {"path": notes}), ("run_shell", {"cmd": "id"})]


def model(messages, info):
    """Asks for one tool per turn, then answers with how many results it got."""
    seen = [
        p for m in messages for p in getattr(m, "parts", ()) if isinstance(p, (ToolReturnPart, RetryPromptPart))
    ]
    if len(seen) < len(CALLS):
        name, args = CALLS[len(seen)]
        return ModelResponse(parts=[ToolCallPart(name, args, tool_call_id="c%d" % len(seen))])
    for p in seen:
        # pydantic-ai 2 returns a retry as a ToolReturnPart with outcome "retried"
        outcome = "retried" if isinstance(p, RetryPromptPart) else p.outcome
        print("%s: %s %s" % (p.tool_name, outcome, str(p.content)[:16]))
    return ModelResponse(parts=[TextPart("done %d" % len(seen))])


agent = Agent(FunctionModel(model))


@agent.tool_plain
def read_file(path: str) -> str:
    """Read a file."""
    with open(path) as f:
        return f.read()


@agent.tool
async def delete_file(ctx: RunContext[None], path: str) -> str:
    """Delete a file."""
    os.remove(path)
    return "deleted"


@agent.tool_plain
def run_shell(cmd: str) -> str:
    """Run a shell command."""
    return os.popen(cmd).read()


result = agent.run_sync("go")
print("final:", result.output)
print("notes.txt still there" if os.path.exists(notes) else "notes.txt deleted")
