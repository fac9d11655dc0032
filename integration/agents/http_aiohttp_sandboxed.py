# aiohttp ClientSession under `sandboxed`: the POST is blocked once with missing_capability:network.http (url, method, framework aiohttp) and the agent gets PermissionError; nothing is sent.
# irongate: {"exit": 0, "stdout": ["aiohttp: PermissionError"]}
# event: {"count": 1, "layer": "hook", "decision": "block", "reason": "missing_capability:network.http", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/deny/aio", "method": "POST", "framework": "aiohttp"}}
# no-event: {"decision": "allow", "action": {"type": "network"}}
# no-event: {"action": {"subtype": "connect"}}
import asyncio
import os

import aiohttp

base = "http://" + os.environ["IRONGATE_TEST_HTTP"]


async def main():
    async with aiohttp.ClientSession() as s:
        try:
            async with s.post(base + "/deny/aio", data=b"secret") as r:
                print("aiohttp: got", await r.text())
        except PermissionError as e:
            print("aiohttp:", type(e).__name__)
        except aiohttp.ClientError as e:
            print("aiohttp: wrapped", type(e).__name__, type(e.__cause__).__name__)


asyncio.run(main())
