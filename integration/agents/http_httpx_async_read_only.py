# httpx.AsyncClient under `read_only`: two concurrent requests in one event loop, each one network/http decision (framework httpx); no connect/dns decisions.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["['ok GET /ax/1', 'ok POST /ax/2']"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/ax/1", "method": "GET", "framework": "httpx"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/ax/2", "method": "POST", "framework": "httpx"}}
# event: {"count": 2, "action": {"type": "network", "subtype": "http"}}
# no-event: {"action": {"subtype": "connect"}}
# no-event: {"action": {"subtype": "dns"}}
import asyncio
import os

import httpx

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]


async def main():
    async with httpx.AsyncClient(timeout=10) as c:
        a, b = await asyncio.gather(c.get(base + "/ax/1"), c.post(base + "/ax/2", content=b"x"))
        print(sorted([a.text, b.text]))


asyncio.run(main())
