# The original's wrapper API on current langchain-core: agentshield.integrations.wrap_langchain_tools
# (an @tool, a StructuredTool and a BaseTool subclass), AgentshieldTool.from_function, wrap_functions_map and
# wrap_instance_methods, driven by LangGraph's ReAct agent with langchain-core's fake chat model, under
# read_only. Each tool call is declared once (IronGate's BaseTool hook and the wrapper do not double it):
# read_file allowed (its file read carries in_tool), delete_file reviewed and denied by the 1 s timeout,
# run_shell blocked, the AgentshieldTool list_dir allowed — the blocked/denied calls come back to the model
# as error ToolMessages; the generic wrappers raise PermissionError on a block (R-44, R-45, issue 10).
# irongate: {"args": ["--profile", "read_only", "--policy", "{ROOT}/integration/frameworks/policy.json"], "exit": 0, "stdout": ["read_file: success hello", "delete_file: error irongate blocked", "run_shell: error irongate blocked", "list_dir: success notes.txt", "final: done", "map read_file: hello", "map run_shell: PermissionError irongate blocked tool", "methods read_file: hello", "methods run_shell: PermissionError irongate blocked tool", "methods other: untouched", "notes.txt still there"], "stderr": ["blocked, 1 reviewed"], "files": {"notes.txt": "hello", "other.txt": "untouched"}}
# event: {"count": 1, "decision": "allow", "action": {"type": "tool", "subtype": "invoke", "tool_name": "read_file", "framework": "langchain", "arg_names": ["path"]}}
# event: {"count": 1, "decision": "review", "rule": {"name": "delete-tool"}, "review": {"timeout": true}, "action": {"type": "tool", "tool_name": "delete_file", "framework": "langchain"}}
# event: {"count": 1, "decision": "block", "rule": {"name": "shell-tool"}, "action": {"type": "tool", "tool_name": "run_shell", "framework": "langchain"}}
# event: {"count": 1, "decision": "allow", "action": {"type": "tool", "tool_name": "list_dir", "framework": "langchain"}}
# event: {"count": 2, "decision": "allow", "layer": "api", "action": {"type": "tool", "tool_name": "read_file", "framework": "generic", "arg_names": ["0"]}}
# event: {"count": 2, "decision": "block", "layer": "api", "action": {"type": "tool", "tool_name": "run_shell", "framework": "generic"}}
# event: {"count": 3, "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt", "in_tool": "re:^read_file#[0-9]+$"}}
# event: {"decision": "allow", "action": {"type": "file", "subtype": "list", "path": "{WORK}", "in_tool": "re:^list_dir#[0-9]+$"}}
# event: {"count": 1, "action": {"type": "file", "subtype": "read", "path": "{WORK}/other.txt"}}
# no-event: {"action": {"type": "file", "subtype": "read", "path": "{WORK}/other.txt", "in_tool": "re:."}}
# no-event: {"action": {"type": "process"}}
# no-event: {"action": {"type": "file", "subtype": "delete"}}
import os
import warnings

warnings.filterwarnings("ignore")
from agentshield.integrations import wrap_functions_map, wrap_instance_methods, wrap_langchain_tools
from agentshield.integrations.agentshield_tool import AgentshieldTool
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool, StructuredTool, tool
from langgraph.prebuilt import create_react_agent

work = os.environ["IRONGATE_TEST_WORK"]
notes = os.path.join(work, "notes.txt")
other = os.path.join(work, "other.txt")


@tool
def read_file(path: str) -> str:
    """Read a file."""
    with open(path) as f:
        return f.read()


def delete(path: str) -> str:
    """Delete a file."""
    os.remove(path)
    return "deleted"


class RunShell(BaseTool):
    name: str = "run_shell"
    description: str = "Run a shell command."

    def _run(self, cmd: str) -> str:
        return os.popen(cmd).read()


def list_dir(path: str) -> str:
    """List a directory."""
    return " ".join(sorted(n for n in os.listdir(path) if n.endswith(".txt") and n == "notes.txt"))


tools = wrap_langchain_tools(
    [read_file, StructuredTool.from_function(delete, name="delete_file"), RunShell()], agent_name="legacy"
)
tools.append(AgentshieldTool.from_function(list_dir, agent="legacy"))


class ToolFake(GenericFakeChatModel):
    def bind_tools(self, tools, **kw):
        return self


calls = [
    {"name": "read_file", "args": {"path": notes}, "id": "c1"},
    {"name": "delete_file", "args": {"path": notes}, "id": "c2"},
    {"name": "run_shell", "args": {"cmd": "id"}, "id": "c3"},
    {"name": "list_dir", "args": {"__arg1": work}, "id": "c4"},
]
model = ToolFake(messages=iter([AIMessage(content="", tool_calls=[c]) for c in calls] + [AIMessage(content="done")]))
out = create_react_agent(model, tools).invoke({"messages": [("user", "go")]})
for m in out["messages"]:
    if isinstance(m, ToolMessage):
        print("%s: %s %s" % (m.name, m.status, str(m.content)[:17].strip()))
print("final:", out["messages"][-1].content)


def show(prefix, fn, *args):
    try:
        print(prefix, fn(*args).strip())
    except PermissionError as e:
        print(prefix, "PermissionError", str(e)[:21])


mapped = wrap_functions_map({"read_file": lambda p: open(p).read(), "run_shell": lambda c: os.popen(c).read(), "n": 1})
show("map read_file:", mapped["read_file"], notes)
show("map run_shell:", mapped["run_shell"], "id")


class Box:
    def read_file(self, p):
        return open(p).read()

    def run_shell(self, c):
        return os.popen(c).read()

    def other(self):
        # not wrapped, and after the wrapped calls returned: its read carries no in_tool
        with open(other) as f:
            return f.read()


box = wrap_instance_methods(Box(), ["read_file", "run_shell", "missing"])
show("methods read_file:", box.read_file, notes)
show("methods run_shell:", box.run_shell, "id")
show("methods other:", box.other)
print("notes.txt still there" if os.path.exists(notes) else "notes.txt deleted")
