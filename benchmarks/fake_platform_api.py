"""A local fake chat platform API for the benchmarks (127.0.0.1 only; prints its URL first).

    python benchmarks/fake_platform_api.py http          # zero latency, always 200
    python benchmarks/fake_platform_api.py ratelimited   # 50 requests/s, else 429 Retry-After: 1;
                                                         # plus ~1% random 429s
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections import deque

from aiohttp import web

RATE = 50


def build(mode: str) -> web.Application:
    recent: deque[float] = deque()
    rng = random.Random(5)
    count = 0

    async def send(request: web.Request) -> web.Response:
        nonlocal count
        await request.read()
        if mode == "ratelimited":
            now = time.monotonic()
            while recent and now - recent[0] >= 1.0:
                recent.popleft()
            if len(recent) >= RATE or rng.random() < 0.01:
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})
            recent.append(now)
        count += 1
        return web.json_response({"ok": True, "ts": f"{count}"})

    app = web.Application()
    app.router.add_post("/send", send)
    return app


async def main(mode: str) -> None:
    runner = web.AppRunner(build(mode), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{port}/send", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "http"))
