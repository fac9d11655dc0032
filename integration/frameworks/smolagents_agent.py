# smolagents' ToolCallingAgent driven by a scripted Model subclass (no network), under read_only: each
# Tool call (a Tool subclass and @tool functions) is a tool/invoke (framework "smolagents") — read_file
# allowed (its file read carries in_tool), delete_file reviewed and denied by the 1 s timeout, run_shell
# blocked — the blocked/denied calls fail as a tool does (PermissionError with IronGate's message, which
# the agent records as the step's error and shows the model), and the agent finishes with final_answer
# (R-45, issue 10).
# irongate: {"args": ["--profile", "read_only", "--policy", "{ROOT}/integration/frameworks/policy.json"], "exit": 0, "stdout": ["read_file: ok hello", "delete_file: error irongate blocked", "run_shell: error irongate blocked", "final: done 3", "notes.txt still there"], "stderr": ["blocked, 1 reviewed"], "files": {"notes.txt": "hello"}}
# event: {"count": 1, "decision": "allow", "action": {"type": "tool", "subtype": "invoke", "tool_name": "read_file", "framework": "smolagents", "arg_names": ["path"], "args_digest": "re:^[0-9a-f]{64}$"}}
# event: {"count": 1, "decision": "review", "rule": {"name": "delete-tool"}, "review": {"timeout": true}, "action": {"type": "tool", "tool_name": "delete_file", "framework": "smolagents", "arg_names": ["path"]}}
# event: {"count": 1, "decision": "block", "rule": {"name": "shell-tool"}, "action": {"type": "tool", "tool_name": "run_shell", "framework": "smolagents", "arg_names": ["cmd"]}}
# event: {"count": 1, "decision": "allow", "action": {"type": "tool", "tool_name": "final_answer", "framework": "smolagents", "arg_names": ["answer"]}}
# event: {"decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt", "in_tool": "re:^read_file#1$"}}
# no-event: {"action": {"type": "process"}}
# no-event: {"action": {"type": "file", "subtype": "delete"}}
import os
import re
import warnings

warnings.filterwarnings("ignore")
from smolagents import Model, Tool, ToolCallingAgent, tool
from smolagents.memory import ActionStep
from smolagents.models import ChatMessage, ChatMessageToolCall, ChatMessageToolCallFunction

work = os.environ["IRONGATE_TEST_WORK"]
notes = os.path.join(work, "notes.txt")
CALLS = [
    ("read_file", {"path": notes}),
    ("delete_file", {"path": notes}),
    ("run_shell", {"cmd": "id"}),
    ("final_answer", {"answer": "done 3"}),
]


class ReadFile(Tool):
    name = "read_file"
    description = "Read a file."
    inputs = {"path": {"type": "string", "description": "the file"}}
    output_type = "string"

    def forward(self, path):
        with open(path) as f:
            return f.read()


@tool
def delete_file(path: str) -> str:
    """Delete a file.

    Args:
        path: the file
    """
    os.remove(path)
    return "deleted"


@tool
def run_shell(cmd: str) -> str:
    """Run a shell command.

    Args:
        cmd: the command
    """
    return os.popen(cmd).read()


class Scripted(Model):
    """Asks for the next tool of CALLS on each step."""

    def __init__(self):
        super().__init__(model_id="scripted")
        self.step = 0

    def generate(self, messages, stop_sequences=None, response_format=None, tools_to_call_from=None, **kw):
        name, args = CALLS[min(self.step, len(CALLS) - 1)]
        self.step += 1
        call = ChatMessageToolCall(
            id="c%d" % self.step, type="function", function=ChatMessageToolCallFunction(name=name, arguments=args)
        )
        return ChatMessage(role="assistant", content="", tool_calls=[call])


agent = ToolCallingAgent(tools=[ReadFile(), delete_file, run_shell], model=Scripted(), max_steps=6, verbosity_level=-1)
final = agent.run("go")
for step in agent.memory.steps:
    if not isinstance(step, ActionStep):
        continue
    if step.error is not None:
        # the step's error, as the model is shown it: "Error executing tool 'NAME' ...: PermissionError: ..."
        text = str(step.error)
        name = re.search(r"tool '([a-z_]+)'", text).group(1)
        print("%s: error %s" % (name, text.split("PermissionError: ", 1)[-1][:16]))
    elif step.tool_calls and step.tool_calls[0].name != "final_answer":
        print("%s: ok %s" % (step.tool_calls[0].name, str(step.observations).strip()[-5:]))
print("final:", final)
print("notes.txt still there" if os.path.exists(notes) else "notes.txt deleted")
