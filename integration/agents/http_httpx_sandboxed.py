# httpx sync and AsyncClient under `sandboxed`: each request is blocked once with missing_capability:network.http (url and method logged), raising PermissionError; no connection is made.
# irongate: {"exit": 0, "stdout": ["sync: PermissionError", "async: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/deny/hx", "method": "GET", "framework": "httpx"}}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/deny/ahx", "method": "POST", "framework": "httpx"}}
# no-event: {"decision": "allow", "action": {"type": "network"}}
# no-event: {"action": {"subtype": "connect"}}
import asyncio
import os

import httpx

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]
try:
    print("sync: got", httpx.get(base + "/deny/hx", timeout=5).text)
except PermissionError as e:
    print("sync:", type(e).__name__)


async def main():
    async with httpx.AsyncClient(timeout=5) as c:
        try:
            print("async: got", (await c.post(base + "/deny/ahx", content=b"x")).text)
        except PermissionError as e:
            print("async:", type(e).__name__)


asyncio.run(main())
