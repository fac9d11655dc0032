# aiohttp ClientSession under `read_only` (B.20: the session, not only the module helper): GET and POST are one network/http decision each with url and method (framework aiohttp); no connect/dns decisions.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["200 ok GET /aio/get", "200 ok POST /aio/post"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/aio/get", "method": "GET", "framework": "aiohttp"}}
# event: {"count": 1, "layer": "hook", "decision": "allow", "rule": {"name": "http"}, "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/aio/post", "method": "POST", "framework": "aiohttp"}}
# event: {"count": 2, "action": {"type": "network", "subtype": "http"}}
# no-event: {"action": {"subtype": "connect"}}
# no-event: {"action": {"subtype": "dns"}}
import asyncio
import os

import aiohttp

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]


async def main():
    async with aiohttp.ClientSession() as s:
        async with s.get(base + "/aio/get") as r:
            print(r.status, await r.text())
        async with s.post(base + "/aio/post", data=b"secret") as r:
            print(r.status, await r.text())


asyncio.run(main())
