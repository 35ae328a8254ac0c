"""What unsigned callers cost the server: memory and answers under a flood of large unsigned bodies.

    PYTHONPATH=. python benchmarks/unverified_requests.py [--clients 400] [--body-kb 1024]

Starts `outcomebot serve` (Slack HTTP mode, SQLite, a local fake Slack Web API) in its own
process on 127.0.0.1, reads its resident memory, then sends `--clients` concurrent unsigned
POSTs of `--body-kb` KB to /slack/events and one body trickled a byte at a time. Prints the
process's memory before and at its peak, how the flood was answered (413 / 503 / 401 / …) and
how long the trickled body was held.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_slack import FakeSlack  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def wait_ready(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


async def flood(url: str, clients: int, body: bytes, pid: int) -> tuple[collections.Counter, float]:
    answers: collections.Counter = collections.Counter()
    peak = rss_mb(pid)

    async def one(session: aiohttp.ClientSession) -> None:
        try:
            async with session.post(url + "/slack/events", data=body,
                                    headers={"Content-Type": "application/json"}) as response:
                answers[response.status] += 1
        except aiohttp.ClientError as exc:
            answers[type(exc).__name__] += 1

    async def watch() -> None:
        nonlocal peak
        while True:
            peak = max(peak, rss_mb(pid))
            await asyncio.sleep(0.02)

    watcher = asyncio.create_task(watch())
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(one(session) for _ in range(clients)))
    await asyncio.sleep(0.5)
    watcher.cancel()
    return answers, max(peak, rss_mb(pid))


async def trickle(port: int, seconds: float = 60) -> float:
    """Seconds until the server gives up on a body sent one byte every two seconds."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100000\r\n\r\n")
    await writer.drain()
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds:
            writer.write(b"x")
            await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(1), 2.0) in (b"H", b""):
                    break
            except TimeoutError:
                continue
    except ConnectionError:
        pass
    finally:
        writer.close()
    return time.monotonic() - started


async def main(clients: int, body_kb: int) -> None:
    fake = await FakeSlack().start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "app.yaml"
        config.write_text(f"slack_api_url: {fake.api_url}\n", encoding="utf-8")
        env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": "bench-secret",
               "PYTHONPATH": str(ROOT)}
        for name in ("SLACK_APP_TOKEN", "TEAMS_APP_ID", "OUTCOMEBOT_TEAMS_ALLOW_UNAUTHENTICATED"):
            env.pop(name, None)
        server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--config", str(config), "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            await wait_ready(url)
            await asyncio.sleep(1)
            before = rss_mb(server.pid)
            answers, peak = await flood(url, clients, b"x" * (body_kb * 1024), server.pid)
            held = await trickle(port)
            print(f"{clients} concurrent unsigned {body_kb} KB bodies to /slack/events")
            print(f"  memory before {before:.0f} MB, peak {peak:.0f} MB (+{peak - before:.0f} MB)")
            print("  answers: " + ", ".join(f"{status}: {count}" for status, count in sorted(answers.items(), key=str)))
            print(f"  a body trickled one byte every 2 s was held {held:.1f} s")
        finally:
            server.terminate()
            server.wait(timeout=30)
            await fake.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=400)
    parser.add_argument("--body-kb", type=int, default=1024)
    args = parser.parse_args()
    asyncio.run(main(args.clients, args.body_kb))
