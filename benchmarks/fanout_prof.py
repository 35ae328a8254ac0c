"""Fan-out: one tick with N people due at once on SQLite — plan, render, send, record.

    PYTHONPATH=. python benchmarks/fanout.py                       # in-process, N = 1k, 10k, 100k
    PYTHONPATH=. python benchmarks/fanout.py --mode http --n 1000,10000
    PYTHONPATH=. python benchmarks/fanout.py --mode ratelimited --n 2500

Modes:
  inprocess    an in-memory fake platform renders each message with the text templates
  http         each message is POSTed to a zero-latency fake platform API on 127.0.0.1
  ratelimited  the fake allows 50 requests/s (429 + Retry-After beyond it, plus ~1% random
               429s); the sender paces at 50/s; ticks repeat until nothing is left

Each N is seeded (people, two key results each, schedules) by one child process and measured
by another, so `peak_rss_mb` is the peak RSS of the process doing the fan-out (imports
included, seeding excluded; `rss_scope` says so). Setup is not timed; the figures cover the
tick(s) only. One figure per line: `fanout.<mode>.n<N>.<figure> <value>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path("/work/main")
sys.path.insert(0, str(ROOT))

SUNDAY = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
MONDAY = datetime(2026, 3, 2, 8, tzinfo=timezone.utc)


async def seed(url: str, n: int) -> None:
    from sqlalchemy import insert

    from cadences.planner import Planner, PlannerSettings
    from cadences.settings import CadenceRule
    from storage.db import Database
    from storage.models import KeyResult, Objective, Outcome, Person

    db = Database(url)
    async with db.transaction() as session:
        await session.exec(insert(Person.__table__), params=[
            {"email": f"p{i}@example.com", "name": f"Person {i}", "timezone": "Europe/Berlin", "country": "DE",
             "is_admin": False, "active": True, "created_at": SUNDAY} for i in range(n)])
        await session.exec(insert(Outcome.__table__), params=[{"key": "O1", "title": "Customers succeed", "period": "2026", "indicators": []}])
        await session.exec(insert(Objective.__table__), params=[{"outcome_id": 1, "title": "Faster onboarding", "period": "2026"}])
        await session.exec(insert(KeyResult.__table__), params=[
            {"key": f"KR{i}-{k}", "objective_id": 1, "title": f"Key result {k} of person {i}", "owner_id": i + 1,
             "unit": "%", "baseline": 10.0, "target": 50.0, "current": 20.0 + k, "confidence": 6,
             "direction": "increase"} for i in range(n) for k in range(2)])
    planner = Planner(db, PlannerSettings(cadences=(CadenceRule(name="weekly", every="week", on="monday", at="09:00"),)))
    await planner.tick(SUNDAY)
    await db.dispose()


class InMemoryPlatform:
    """Renders the message for the text surface and keeps it, like a chat inbox in memory."""

    name = "console"

    def __init__(self) -> None:
        from messages.render import Renderer

        self.renderer = Renderer("text")
        self.count = 0
        self.last = ""

    async def deliver(self, message):
        from cadences.notifier import Sent

        self.last = self.renderer.render(message.template, message.context)
        self.count += 1
        return Sent(f"mem-{message.delivery_id}")


class HttpPlatform:
    name = "console"

    def __init__(self, session, url: str) -> None:
        self.session, self.url = session, url

    async def deliver(self, message):
        from cadences.notifier import RetryLater, Sent

        async with self.session.post(self.url, json={"key": message.idempotency_key, "to": message.address,
                                                     "context": message.context}) as response:
            if response.status == 429:
                raise RetryLater("429", retry_after=float(response.headers.get("Retry-After", "1")))
            if response.status >= 500:
                raise RetryLater(str(response.status))
            return Sent((await response.json())["ts"])


async def seed_child(url: str, n: int) -> None:
    from storage import migrate

    await asyncio.to_thread(migrate.upgrade, url)
    await seed(url, n)


async def run_child(mode: str, url: str, n: int, fake_url: str | None) -> dict:
    from cadences.planner import Planner, PlannerSettings
    from cadences.sender import DeliverySender
    from cadences.settings import CadenceRule, DeliveryPolicy
    from storage.db import Database

    db = Database(url)
    session = None
    if mode == "inprocess":
        platform = InMemoryPlatform()
        policy = DeliveryPolicy(batch_size=5000, concurrency={"console": 64})
    else:
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
        platform = HttpPlatform(session, fake_url)
        rate = {"console": 50.0} if mode == "ratelimited" else {}
        policy = DeliveryPolicy(batch_size=1000, concurrency={"console": 32 if mode == "http" else 8},
                                rate_per_second=rate, base_backoff_seconds=0.5)
    from bot.notifiers import PlatformNotifier

    sender = DeliverySender(db, PlatformNotifier({"console": platform}), policy)
    planner = Planner(db, PlannerSettings(cadences=(CadenceRule(name="weekly", every="week", on="monday", at="09:00"),),
                                          batch_size=5000), sender=sender)  # wired as bot.ticker.Ticker does
    from cadences.calendar import public_holidays

    public_holidays("DE", MONDAY.year)  # warm: the holidays package loads its countries on first use
    with interpreter_settings():  # as `outcomebot tick` does; BENCH_AS_SERVE=1: as `serve` (defaults)
        import cProfile; _prof = cProfile.Profile(); _prof.enable()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        prompted = (await planner.tick(MONDAY)).prompted
        sent = retried = 0
        now = MONDAY
        while True:
            result = await sender.run_once(now)
            sent, retried = sent + result.sent, retried + result.retried
            if sent >= prompted or mode != "ratelimited" or time.perf_counter() - wall0 > 600:
                break
            await asyncio.sleep(0.05)  # next tick: real time moves on, retries come due
            now = MONDAY + timedelta(seconds=time.perf_counter() - wall0)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        _prof.disable(); _prof.dump_stats('/tmp/fanprof-work_main.prof')
    if session:
        await session.close()
    await db.dispose()
    return {
        "prompted": prompted, "sent": sent, "retried": retried, "lost": prompted - sent,
        "seconds": round(wall, 3), "prompts_per_second": round(sent / wall), "cpu_ms_per_prompt": round(cpu * 1000 / max(sent, 1), 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_scope": "fan-out process only (seeded by another process)",
        **({"ideal_seconds": n / 50, "over_ideal_pct": round((wall / (n / 50) - 1) * 100, 1)} if mode == "ratelimited" else {}),
    }


def interpreter_settings():
    """The `tick` command's GC and thread-switch settings, or with BENCH_AS_SERVE=1 as `serve`
    runs: start-up heap frozen once, CPython's default settings, which `serve` keeps because it
    answers requests meanwhile (bot/process.py)."""
    from contextlib import nullcontext

    from bot.process import one_shot_tick_settings, settle_heap

    if os.environ.get("BENCH_AS_SERVE") == "1":
        settle_heap()
        return nullcontext()
    return one_shot_tick_settings()


def start_fake(mode: str) -> tuple[subprocess.Popen, str]:
    fake = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "fake_platform_api.py"), mode],
                            stdout=subprocess.PIPE, text=True)
    return fake, fake.stdout.readline().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("inprocess", "http", "ratelimited"), default="inprocess")
    parser.add_argument("--n", default=None, help="comma-separated sizes")
    parser.add_argument("--child", choices=("seed", "measure"), default=None, help=argparse.SUPPRESS)
    parser.add_argument("--db", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--fake-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    default_n = {"inprocess": "1000,10000,100000", "http": "1000,10000", "ratelimited": "2500"}[args.mode]
    sizes = [int(part) for part in (args.n or default_n).split(",")]
    if args.child == "seed":
        asyncio.run(seed_child(args.db, sizes[0]))
        return
    if args.child == "measure":
        print(json.dumps(asyncio.run(run_child(args.mode, args.db, sizes[0], args.fake_url))))
        return
    fake, url = start_fake(args.mode) if args.mode != "inprocess" else (None, None)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        for n in sizes:
            db_url = f"sqlite:///{tempfile.mkdtemp(prefix='fanout-')}/bench.db"
            child = [sys.executable, __file__, "--mode", args.mode, "--n", str(n), "--db", db_url]
            subprocess.run([*child, "--child", "seed"], check=True, env=env)
            command = [*child, "--child", "measure"]
            if url:
                command += ["--fake-url", url]
            out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
            shutil.rmtree(db_url.removeprefix("sqlite:///").rsplit("/", 1)[0], ignore_errors=True)
            for name, value in json.loads(out.strip().splitlines()[-1]).items():
                print(f"fanout.{args.mode}.n{n}.{name} {value}", flush=True)
    finally:
        if fake:
            fake.terminate()


if __name__ == "__main__":
    random.seed(1)
    main()
