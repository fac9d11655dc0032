# The openai SDK (chat completions over httpx2, allowed by the policy's model-endpoint rule) in a
# hand-written tool-use loop against the loopback scripted model, under read_only. The openai SDK has no
# tool abstraction of its own for chat completions, so the agent's tools are declared with
# @irongate.tool: read_file allowed (its file read carries in_tool, and the read after the loop does
# not), delete_file reviewed and denied by the 1 s timeout, run_shell blocked — a blocked call raises
# PermissionError, which the loop sends to the model as the tool's result; the model's answer shows all
# three (R-45, issue 10).
# irongate: {"args": ["--profile", "read_only", "--policy", "{ROOT}/integration/frameworks/policy.json"], "exit": 0, "stdout": ["final: done: hello | irongate blocked tool/in | irongate blocked tool/in", "after: hello", "notes.txt still there"], "stderr": ["blocked, 1 reviewed"], "files": {"notes.txt": "hello"}}
# event: {"count": 1, "decision": "allow", "layer": "api", "action": {"type": "tool", "subtype": "invoke", "tool_name": "read_file", "framework": "openai", "arg_names": ["path"], "args_digest": "re:^[0-9a-f]{64}$"}}
# event: {"count": 1, "decision": "review", "rule": {"name": "delete-tool"}, "review": {"timeout": true}, "action": {"type": "tool", "tool_name": "delete_file", "framework": "openai", "arg_names": ["path"]}}
# event: {"count": 1, "decision": "block", "rule": {"name": "shell-tool"}, "action": {"type": "tool", "tool_name": "run_shell", "framework": "openai", "arg_names": ["cmd"]}}
# event: {"count": 1, "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt", "in_tool": "re:^read_file#1$"}}
# event: {"count": 2, "decision": "allow", "action": {"type": "file", "subtype": "read", "path": "{WORK}/notes.txt"}}
# event: {"count": 4, "decision": "allow", "rule": {"name": "model-endpoint"}, "action": {"type": "network", "subtype": "http", "method": "POST", "url": "re:^http://127\\.0\\.0\\.1:[0-9]+/v1/chat/completions$"}}
# no-event: {"decision": "block", "action": {"type": "network"}}
# no-event: {"action": {"type": "process"}}
# no-event: {"action": {"type": "file", "subtype": "delete"}}
import json
import os

import irongate
from openai import OpenAI

work = os.environ["IRONGATE_TEST_WORK"]
notes = os.path.join(work, "notes.txt")


@irongate.tool("read_file", framework="openai")
def read_file(path):
    with open(path) as f:
        return f.read()


@irongate.tool("delete_file", framework="openai")
def delete_file(path):
    os.remove(path)
    return "deleted"


@irongate.tool("run_shell", framework="openai")
def run_shell(cmd):
    return os.popen(cmd).read()


TOOLS = {"read_file": read_file, "delete_file": delete_file, "run_shell": run_shell}
SCHEMAS = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": name.replace("_", " "),
            "parameters": {"type": "object", "properties": {arg: {"type": "string"}}, "required": [arg]},
        },
    }
    for name, arg in [("read_file", "path"), ("delete_file", "path"), ("run_shell", "cmd")]
]

client = OpenAI(base_url=os.environ["IRONGATE_TEST_MODEL_URL"] + "/v1", api_key="test", max_retries=0)
messages = [{"role": "user", "content": notes}]
for _ in range(10):
    reply = client.chat.completions.create(model="scripted", messages=messages, tools=SCHEMAS).choices[0].message
    if not reply.tool_calls:
        break
    messages.append(reply.model_dump(exclude_none=True))
    for call in reply.tool_calls:
        try:
            result = TOOLS[call.function.name](**json.loads(call.function.arguments))
        except PermissionError as e:
            result = str(e)
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
print("final:", reply.content)
with open(notes) as f:
    print("after:", f.read())
print("notes.txt still there" if os.path.exists(notes) else "notes.txt deleted")
