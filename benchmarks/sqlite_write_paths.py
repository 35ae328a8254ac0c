"""One SQLite write transaction of eight small statements while the event loop is busy, three ways.

    PYTHONPATH=. python benchmarks/sqlite_write_paths.py [--busy 20] [--transactions 60]

`--busy` tasks each keep the event loop for 1 ms at a time (as request handling does under
load); the transactions run one after the other meanwhile, and p50/p90 per transaction are
printed, then the same with the loop idle:
  a. through a session, `storage.batch.Batch` (one call to aiosqlite's thread per statement),
  b. `AsyncConnection.run_sync` (SQLAlchemy's cursor on the loop's greenlet: every driver
     call is still a hop to aiosqlite's thread),
  c. `Database.write_on_thread` (the synchronous sqlite3 driver on a thread of its own: one
     hand-over for the whole transaction).
Each takes the process's write turn as `Database.transaction()` does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from storage.batch import Batch  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.driver import Driver  # noqa: E402

STATEMENTS = ([(text("INSERT INTO t (a, b) VALUES (:a, :b)"), {"a": 1, "b": "x" * 50})] * 4
              + [(text("UPDATE t SET a = a + 1 WHERE id = :id"), {"id": 1})] * 2
              + [(text("SELECT count(*) FROM t WHERE a > :a"), {"a": 0})] * 2)


def batch() -> Batch:
    queued = Batch()
    for statement, parameters in STATEMENTS:
        queued.add(statement, parameters)
    return queued


def on_connection(connection) -> None:
    for statement, parameters in STATEMENTS:
        connection.execute(statement, parameters)


async def keep_busy(stop: asyncio.Event) -> None:
    while not stop.is_set():
        end = time.perf_counter() + 0.001
        while time.perf_counter() < end:
            pass
        await asyncio.sleep(0)


async def measure(name: str, one, busy: int, count: int) -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(keep_busy(stop)) for _ in range(busy)]
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await one()
        times.append(time.perf_counter() - started)
    stop.set()
    await asyncio.gather(*tasks)
    times.sort()
    print(f"  {name:44s} p50 {times[count // 2] * 1000:7.1f} ms   p90 {times[int(count * 0.9)] * 1000:7.1f} ms", flush=True)


async def main(args: argparse.Namespace) -> None:
    db = Database(f"sqlite:///{tempfile.mkdtemp(prefix='write-paths-')}/bench.db")
    async with db.transaction() as session:
        connection = await session.connection()
        await connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT)")
        await connection.exec_driver_sql("INSERT INTO t (a, b) VALUES (1, 'x')")

    async def through_batch() -> None:
        async with db.transaction() as session:
            await batch().run(await Driver.of(session))

    async def through_run_sync() -> None:
        async with db.transaction() as session:
            await (await session.connection()).run_sync(on_connection)

    async def on_thread() -> None:
        await db.write_on_thread(on_connection)

    ways = (("a. Batch through the session (aiosqlite)", through_batch),
            ("b. AsyncConnection.run_sync (aiosqlite)", through_run_sync),
            ("c. Database.write_on_thread (sqlite3, a thread)", on_thread))
    for busy, count in ((args.busy, args.transactions), (0, 500)):
        print(f"{busy} tasks keeping the loop busy 1 ms at a time, {count} transactions of 8 statements:")
        for name, one in ways:
            await measure(name, one, busy, count)
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=20)
    parser.add_argument("--transactions", type=int, default=60)
    asyncio.run(main(parser.parse_args()))
