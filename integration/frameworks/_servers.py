"""Loopback servers for the framework agents, started by
tests/integration_frameworks.rs *outside* IronGate (the agents under
`read_only` may connect but not listen).

- A scripted model speaking the OpenAI chat-completions API
  (POST /v1/chat/completions) and the Anthropic Messages API
  (POST /v1/messages), stdlib http.server only. The first user message is a
  file path; the model asks, one call per turn, for
  read_file(path), delete_file(path), run_shell(cmd="id"), then answers
  "done: R1 | R2 | R3" with the first characters of each tool result it was
  given (so the agent's final output shows what the model saw). When the
  request offers a `final_answer` tool, the answer is a call of it.
  Messages API threads (only the new turn sent, with the previous message's
  id) are followed.
- An MCP server (Streamable HTTP at /mcp) with the same three tools; they
  really act (it is a separate process, as an MCP server usually is), so an
  agent can check that a denied delete_file did not reach it.

Prints "MODEL_PORT MCP_PORT" on stdout once both sockets listen; runs until
killed.
"""

import itertools
import json
import os
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCRIPT = ("read_file", "delete_file", "run_shell")


def _text(content):
    """The text of an OpenAI or Anthropic message content (str or parts)."""
    if isinstance(content, str):
        return content
    out = []
    for part in content or ():
        if isinstance(part, dict):
            if isinstance(part.get("text"), str):
                out.append(part["text"])
            elif "content" in part:
                out.append(_text(part["content"]))
    return "".join(out)


def _next_step(path, results, offered):
    """(tool name, arguments) of the next call, or (None, final text)."""
    step = len(results)
    if step < len(SCRIPT):
        name = SCRIPT[step]
        args = {"cmd": "id"} if name == "run_shell" else {"path": path}
        return name, args
    final = "done: " + " | ".join(" ".join(r.split())[:24] for r in results)
    if "final_answer" in offered:
        return "final_answer", {"answer": final}
    return None, final


def _openai(body):
    messages = body.get("messages", [])
    path = next((_text(m.get("content")) for m in messages if m.get("role") == "user"), "")
    results = [_text(m.get("content")) for m in messages if m.get("role") == "tool"]
    offered = {t.get("function", {}).get("name") for t in body.get("tools") or ()}
    name, value = _next_step(path.strip(), results, offered)
    if name is None:
        message, finish = {"role": "assistant", "content": value}, "stop"
    else:
        call = {
            "id": "call_%d" % len(results),
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(value)},
        }
        message, finish = {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
    return {
        "id": "chatcmpl-%d" % len(results),
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "scripted"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


# Messages API threads ("thread": {"type": "continue", "previous_message_id":
# ID} sends only the new turn): message id -> (path, tool results so far).
_threads = {}
_ids = itertools.count(1)
_lock = threading.Lock()


def _anthropic(body):
    messages = body.get("messages", [])
    thread = body.get("thread") or {}
    with _lock:
        path, results = _threads.get(thread.get("previous_message_id"), ("", []))
    results = list(results)
    for m in messages:
        if m.get("role") != "user":
            continue
        if isinstance(m.get("content"), list) and any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in m["content"]
        ):
            results += [_text(b.get("content")) for b in m["content"] if b.get("type") == "tool_result"]
        elif not path:
            path = _text(m.get("content")).strip()
    offered = {t.get("name") for t in body.get("tools") or ()}
    name, value = _next_step(path, results, offered)
    if name is None:
        content, stop = [{"type": "text", "text": value}], "end_turn"
    else:
        content = [{"type": "tool_use", "id": "toolu_%d" % len(results), "name": name, "input": value}]
        stop = "tool_use"
    with _lock:
        message_id = "msg_%d" % next(_ids)
        _threads[message_id] = (path, results)
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "scripted"),
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


class _Model(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        path = self.path.split("?", 1)[0]
        if path.endswith("/chat/completions"):
            reply = _openai(body)
        elif path.endswith("/messages"):
            reply = _anthropic(body)
        else:
            self.send_error(404)
            return
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _mcp_app():
    from mcp.server import MCPServer

    server = MCPServer("irongate-test", log_level="ERROR")

    @server.tool()
    def read_file(path: str) -> str:
        """Read a file."""
        with open(path) as f:
            return f.read()

    @server.tool()
    def delete_file(path: str) -> str:
        """Delete a file."""
        os.remove(path)
        return "deleted"

    @server.tool()
    def run_shell(cmd: str) -> str:
        """Run a shell command (here: only echoes it)."""
        return "would run " + cmd

    return server.streamable_http_app()


def main():
    model = ThreadingHTTPServer(("127.0.0.1", 0), _Model)
    threading.Thread(target=model.serve_forever, daemon=True).start()
    mcp_sock = socket.socket()
    mcp_sock.bind(("127.0.0.1", 0))
    mcp_sock.listen(16)

    import uvicorn

    config = uvicorn.Config(_mcp_app(), log_level="error", lifespan="on")
    sys.stdout.write("%d %d\n" % (model.server_address[1], mcp_sock.getsockname()[1]))
    sys.stdout.flush()
    uvicorn.Server(config).run(sockets=[mcp_sock])


if __name__ == "__main__":
    main()
