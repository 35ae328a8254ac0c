"""Real processes against one PostgreSQL: overlapping ticks and a SIGKILL mid fan-out."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from aiohttp import web

from storage.db import Database
from tests.cadence_fixtures import add_people, planner, utc

ROOT = Path(__file__).resolve().parent.parent
SUNDAY, MONDAY_NINE_BERLIN = utc(2026, 3, 1, 12), utc(2026, 3, 2, 8)


class FakePlatformApi:
    """A local HTTP fake that records every idempotency key it receives."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.received: Counter[str] = Counter()
        self.delay = delay
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        key = (await request.json())["key"]
        if self.delay:
            await asyncio.sleep(self.delay)
        self.received[key] += 1
        return web.json_response({"ref": f"m{sum(self.received.values())}"})

    async def __aenter__(self) -> "FakePlatformApi":
        app = web.Application()
        app.router.add_post("/send", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/send"
        return self

    async def __aexit__(self, *exc) -> None:
        await self.runner.cleanup()


async def _spawn(db_url: str, now, fake_url: str, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.tick_worker", db_url, now.isoformat(), fake_url, *extra,
        cwd=str(ROOT), env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE if "--wait-for-go" in extra else None,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def _start_together(*processes: asyncio.subprocess.Process) -> None:
    """Workers spawned with --wait-for-go tick at once, however long each took to start."""
    for process in processes:
        line = await asyncio.wait_for(process.stdout.readline(), 120)  # type: ignore[union-attr]
        assert line.strip() == b"ready", line
    for process in processes:
        process.stdin.write(b"go\n")  # type: ignore[union-attr]
        await process.stdin.drain()  # type: ignore[union-attr]


async def _finish(process: asyncio.subprocess.Process) -> dict:
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()[-2000:]
    return json.loads(out.decode().strip().splitlines()[-1])


async def _people_with_schedules(url: str, count: int) -> None:
    db = Database(url)
    await add_people(db, count)
    await planner(db).tick(SUNDAY)
    await db.dispose()


async def test_two_processes_ticking_the_same_minute_with_slow_sends_deliver_every_prompt_exactly_once(pg_url: str) -> None:
    await _people_with_schedules(pg_url, 300)
    async with FakePlatformApi(delay=0.01) as fake:  # 10 ms a send, so the ticks overlap
        first = await _spawn(pg_url, MONDAY_NINE_BERLIN, fake.url, "--ticks", "3", "--batch", "50", "--wait-for-go")
        second = await _spawn(pg_url, MONDAY_NINE_BERLIN, fake.url, "--ticks", "3", "--batch", "50", "--wait-for-go")
        await _start_together(first, second)
        results = [await _finish(first), await _finish(second)]
    assert len(fake.received) == 300
    assert set(fake.received.values()) == {1}, "a prompt arrived twice"
    assert sum(r["prompted"] for r in results) == 300 and sum(r["sent"] for r in results) == 300
    assert all(r["sent"] > 0 for r in results), "both processes should have shared the work"


async def test_a_process_killed_mid_fan_out_then_restarted_leaves_every_prompt_delivered(pg_url: str) -> None:
    people = 3000
    await _people_with_schedules(pg_url, people)
    async with FakePlatformApi(delay=0.002) as fake:
        doomed = await _spawn(pg_url, MONDAY_NINE_BERLIN, fake.url, "--batch", "500")
        deadline = asyncio.get_running_loop().time() + 120
        while sum(fake.received.values()) < 1111:  # not on a batch boundary
            assert doomed.returncode is None, "the ticker died before the kill"
            assert asyncio.get_running_loop().time() < deadline, "the ticker stopped sending"
            await asyncio.sleep(0.01)
        doomed.send_signal(signal.SIGKILL)
        await doomed.wait()
        delivered_before_kill = len(fake.received)
        after_lease = MONDAY_NINE_BERLIN.replace(minute=6)  # the dead process's lease has expired
        restarted = await _finish(await _spawn(pg_url, after_lease, fake.url, "--batch", "500"))
    twice = sum(1 for count in fake.received.values() if count > 1)
    print(f"\nkilled after {delivered_before_kill} of {people}; restart sent {restarted['sent']}, "
          f"reclaimed {restarted['reclaimed']}; sent twice: {twice}")
    assert 0 < delivered_before_kill < people
    assert len(fake.received) == people, "a prompt was lost"
    # In flight at the kill: the batch being sent and the next one, planned and written claimed
    # meanwhile. Only the first can repeat; the second was never handed to the platform.
    assert restarted["reclaimed"] <= 2 * 500, "more than two batches were in flight"
    assert twice <= min(restarted["reclaimed"], 500), "only messages in flight at the kill may repeat"
