# LangGraph's prebuilt ReAct agent and langchain's create_agent, driven by langchain-core's fake chat model,
# under read_only: each langchain tool call is a tool/invoke (framework "langchain") — read_file allowed (its
# file read carries in_tool), delete_file reviewed and denied by the 1 s timeout, run_shell blocked — and the
# blocked/denied calls come back to the model as error ToolMessages; the graph finishes (R-45, issue 10).
# Then the async graph (ainvoke) with a BaseTool subclass that has only a sync _run (langchain-core runs it
# in an executor thread, where its call is asked, so its read carries in_tool too).
# irongate: {"args": ["--profile", "read_only", "--policy", "{ROOT}/integration/frameworks/policy.json"], "exit": 0, "stdout": ["read_file: success hello", "delete_file: error irongate blocked", "run_shell: error irongate blocked", "final: done", "agent final: done", "async final: done", "async read_file: success hello"], "stderr": ["blocked, 3 reviewed"], "files": {"notes.txt": "hello"}}
# event: {"count": 3, "decision": "allow", "action": {"type": "tool", "subtype": "invoke", "tool_name": "read_file", "framework": "langchain", "arg_names": ["path"]}}
# event: {"count": 3, "decision": "review", "rule": {"name": "delete-tool"}, "review": {"timeout": true}, "action": {"type": "tool", "tool_name": "delete_file"}}
# event: {"count": 3, "decision": "block", "rule": {"name": "shell-tool"}, "action": {"type": "tool", "tool_name": "run_shell"}}
# event: {"decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt", "in_tool": "re:^read_file#1$"}}
# event: {"count": 3, "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt", "in_tool": "re:^read_file#[0-9]+$"}}
# no-event: {"action": {"type": "process"}}
import asyncio
import os
import warnings

warnings.filterwarnings("ignore")
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool, tool

work = os.environ["IRONGATE_TEST_WORK"]


@tool
def read_file(path: str) -> str:
    """Read a file."""
    return open(path).read()


@tool
def delete_file(path: str) -> str:
    """Delete a file."""
    os.remove(path)
    return "deleted"


@tool
def run_shell(cmd: str) -> str:
    """Run a shell command."""
    return os.popen(cmd).read()


class ToolFake(GenericFakeChatModel):
    def bind_tools(self, tools, **kw):
        return self


def script():
    calls = [
        {"name": "read_file", "args": {"path": os.path.join(work, "notes.txt")}, "id": "c1"},
        {"name": "delete_file", "args": {"path": os.path.join(work, "notes.txt")}, "id": "c2"},
        {"name": "run_shell", "args": {"cmd": "id"}, "id": "c3"},
    ]
    return iter([AIMessage(content="", tool_calls=[c]) for c in calls] + [AIMessage(content="done")])


from langgraph.prebuilt import create_react_agent

out = create_react_agent(ToolFake(messages=script()), [read_file, delete_file, run_shell]).invoke(
    {"messages": [("user", "go")]}
)
for m in out["messages"]:
    if isinstance(m, ToolMessage):
        print("%s: %s %s" % (m.name, m.status, str(m.content)[:17]))
print("final:", out["messages"][-1].content)

from langchain.agents import create_agent

out = create_agent(ToolFake(messages=script()), [read_file, delete_file, run_shell]).invoke(
    {"messages": [("user", "go")]}
)
print("agent final:", out["messages"][-1].content)


class ReadFile(BaseTool):
    name: str = "read_file"
    description: str = "Read a file."

    def _run(self, path: str) -> str:
        return open(path).read()


async def main():
    agent = create_agent(ToolFake(messages=script()), [ReadFile(), delete_file, run_shell])
    return await agent.ainvoke({"messages": [("user", "go")]})


out = asyncio.run(main())
for m in out["messages"]:
    if isinstance(m, ToolMessage) and m.name == "read_file":
        print("async read_file: %s %s" % (m.status, m.content))
print("async final:", out["messages"][-1].content)
