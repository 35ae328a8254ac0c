"""Tick cost with a large roster: 100,000 people of whom 1,000 are due, and of whom none are.

    PYTHONPATH=. python benchmarks/tick.py [--people 100000] [--due 1000]

Three ticks in one process: `due<N>` (the first with prompts: SQLAlchemy compiles each of the
fan-out's statements the first time a process runs it, as the one-shot `outcomebot tick` does
on every run), `due0` (nothing due) and `again<N>` (another N people due a minute later: what
each tick with prompts costs a `serve` process after its first).

Prints one figure per line: `tick.<case>.<figure> <value>` — `plan_ms` is the planner pass
(reading due schedules, writing check-ins and outbox rows, and handing each batch's prompts
to the in-memory platform as the Ticker does), `send_ms` the outbox pass for whatever else is
due, `total_ms` both (wall clock), `cpu_ms` the process's CPU time for both (the event loop
and aiosqlite's thread; steadier than wall clock on a busy machine). Setup (seeded by a child
process) is not timed; SQLite in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.fanout import MONDAY, SUNDAY, interpreter_settings, seed  # noqa: E402

AGAIN = MONDAY + timedelta(minutes=2)  # another `due` people: the process's second tick with prompts


async def measure(people: int, due: int) -> None:
    from bot.notifiers import PlatformNotifier
    from cadences.calendar import public_holidays
    from cadences.notifier import Sent
    from cadences.planner import Planner, PlannerSettings
    from cadences.sender import DeliverySender
    from cadences.settings import CadenceRule
    from storage.db import Database

    class Inbox:
        name = "console"

        async def deliver(self, message):
            return Sent(None)

    folder = tempfile.mkdtemp(prefix="tick-")
    url = f"sqlite:///{folder}/bench.db"
    # Seeded by a child process, so this one's heap (and its garbage collections) is a tick's own.
    subprocess.run([sys.executable, __file__, "--seed", url, "--people", str(people), "--due", str(due)],
                   check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    db = Database(url)
    sender = DeliverySender(db, PlatformNotifier({"console": Inbox()}))
    planner = Planner(db, PlannerSettings(cadences=(CadenceRule(name="weekly", every="week", on="monday", at="09:00"),)),
                      sender=sender)  # wired as bot.ticker.Ticker does: prompts go out per planner batch
    await planner.tick(SUNDAY)  # warm: cadence mirror, caches
    await sender.run_once(SUNDAY)
    async with db.engine.connect() as connection:  # setup's writes leave the WAL before timing starts
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    public_holidays("DE", MONDAY.year)  # warm: the holidays package loads its countries on first use
    cases = ((f"due{due}", MONDAY), ("due0", MONDAY + timedelta(minutes=1)), (f"again{due}", AGAIN))
    for case, now in cases:
        with interpreter_settings():  # as `outcomebot tick` does; BENCH_AS_SERVE=1: as `serve`
            cpu_started = time.process_time()  # the whole process: the event loop and aiosqlite's thread
            started = time.perf_counter()
            plan = await planner.tick(now)
            planned = time.perf_counter()
            send = await sender.run_once(now)
            done = time.perf_counter()
            cpu = time.process_time() - cpu_started
        print(f"tick.{case}.people {people}")
        print(f"tick.{case}.prompted {plan.prompted}")
        print(f"tick.{case}.sent {send.sent}")
        print(f"tick.{case}.plan_ms {(planned - started) * 1000:.1f}")
        print(f"tick.{case}.send_ms {(done - planned) * 1000:.1f}")
        print(f"tick.{case}.total_ms {(done - started) * 1000:.1f}")
        print(f"tick.{case}.cpu_ms {cpu * 1000:.1f}")
    await db.dispose()
    shutil.rmtree(folder, ignore_errors=True)


async def seed_due(url: str, people: int, due: int) -> None:
    from sqlalchemy import update

    from storage import migrate
    from storage.db import Database
    from storage.models import PromptSchedule

    await asyncio.to_thread(migrate.upgrade, url)
    await seed(url, people)
    db = Database(url)
    async with db.transaction() as session:  # everyone is due next week, except `due` of them
        await session.exec(update(PromptSchedule).values(next_prompt_at=MONDAY + timedelta(days=7)))
        await session.exec(update(PromptSchedule).where(PromptSchedule.person_id <= due).values(next_prompt_at=MONDAY))
        await session.exec(update(PromptSchedule).where(PromptSchedule.person_id > due, PromptSchedule.person_id <= 2 * due)
                           .values(next_prompt_at=AGAIN))
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--seed", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        asyncio.run(seed_due(args.seed, args.people, args.due))
        return
    asyncio.run(measure(args.people, args.due))


if __name__ == "__main__":
    main()
