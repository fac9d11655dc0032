# A streamed response (how the model SDKs read a streaming completion): `httpx.stream` and a Client's
# `stream`, read chunk by chunk and line by line, are each one network/http decision for the request —
# the chunks are the response of an allowed request, not requests of their own; nothing below is decided.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["stream: 200 ok GET /hx/stream", "client stream lines: ok POST /hx/stream-post"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/hx/stream", "method": "GET", "framework": "httpx"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/hx/stream-post", "method": "POST", "framework": "httpx"}}
# event: {"count": 2, "action": {"type": "network", "subtype": "http"}}
# no-event: {"action": {"subtype": "connect"}}
# no-event: {"action": {"subtype": "dns"}}
import os

import httpx

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]
with httpx.stream("GET", base + "/hx/stream", timeout=5) as r:
    body = b"".join(r.iter_bytes(chunk_size=1))
    print("stream:", r.status_code, body.decode().strip())
with httpx.Client(timeout=5) as c:
    with c.stream("POST", base + "/hx/stream-post", content=b"x") as r:
        lines = list(r.iter_lines())
        print("client stream lines:", " ".join(lines).strip())
