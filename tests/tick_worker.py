"""A separate process that ticks (plan + send) against a database, delivering to a local fake.

    PYTHONPATH=<repo> python -m tests.tick_worker DB_URL NOW_ISO FAKE_URL [--ticks N]

Each message is POSTed to FAKE_URL (127.0.0.1 only) with its idempotency key, so the test
process can count what arrived and from whom. Prints the tick counts as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from datetime import datetime

import aiohttp

from bot.notifiers import PlatformNotifier
from cadences.notifier import OutboundMessage, RetryLater, Sent
from cadences.sender import DeliverySender
from cadences.settings import DeliveryPolicy
from storage.db import Database
from tests.cadence_fixtures import planner


class HttpRecorder:
    name = "console"

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        assert url.startswith("http://127.0.0.1:"), "tests only talk to local fakes"
        self.session, self.url = session, url

    async def deliver(self, message: OutboundMessage) -> Sent:
        async with self.session.post(self.url, json={"key": message.idempotency_key}) as response:
            if response.status != 200:
                raise RetryLater(f"{response.status}", retry_after=float(response.headers.get("Retry-After", 0)) or None)
            return Sent((await response.json())["ref"])


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db_url")
    parser.add_argument("now")
    parser.add_argument("fake_url")
    parser.add_argument("--ticks", type=int, default=1)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--wait-for-go", action="store_true", help="print 'ready', tick once 'go' is read")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)
    db = Database(args.db_url)
    async with aiohttp.ClientSession() as session:
        notifier = PlatformNotifier({"console": HttpRecorder(session, args.fake_url)})
        send = DeliverySender(db, notifier, DeliveryPolicy(batch_size=args.batch, concurrency={"console": 16}))
        plan = planner(db, batch_size=args.batch, sender=send)  # wired as bot.ticker.Ticker does
        if args.wait_for_go:  # start together with another worker, whatever each one's start-up took
            await plan.rules_by_id()
            print("ready", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        totals: dict[str, int] = {}
        for _ in range(args.ticks):
            for part in (asdict(await plan.tick(now)), asdict(await send.run_once(now))):
                for name, value in part.items():
                    totals[name] = totals.get(name, 0) + value
    await db.dispose()
    print(json.dumps(totals), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
