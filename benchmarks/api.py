"""The HTTP API on SQLite: POST /api/v1/key-results/{KEY}/values sustained over loopback, and
a full NDJSON export of GET /api/v1/check-ins in constant memory.

    PYTHONPATH=. python benchmarks/api.py [--values 5000] [--concurrency 20] [--checkins 500000]

The API runs in its own process (aiohttp + SQLite), as `serve` runs it; this process is the
client. Part one posts `--values` values (each with its own Idempotency-Key, spread over 200
key results) with `--concurrency` in flight and prints values/s and p50/p99 latency.
Part two seeds `--checkins` answered check-ins (one key result answer each), streams the whole
export as NDJSON (after one page of 10,000, and then once more) and prints lines/s and the
server's RSS and peak RSS (VmHWM) after each: memory is bounded when the second full export
leaves the peak where the first did (SQLite's page cache, 32 MiB a connection, fills first).
Targets: ≥ 500 values/s with p99 < 50 ms; the export's peak RSS flat.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY_RESULTS = 200
PEOPLE = 5000


def seed(url: str, checkins: int) -> str:
    """People, key results and answered check-ins, written with plain bulk inserts; returns a token."""
    from sqlalchemy import create_engine, insert

    from storage.api_tables import ApiToken
    from storage.db import sync_url
    from storage.models import Cadence, CheckIn, KeyResult, KRUpdate, Objective, Outcome, Person
    from storage.repositories.tokens import hash_secret

    secret = "obt_benchmark_secret_0123456789"
    at = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(insert(Person.__table__), [
            {"id": n + 1, "email": f"p{n}@bench.example", "name": f"Person {n}", "timezone": "UTC", "country": "DE",
             "is_admin": False, "active": True, "created_at": at} for n in range(PEOPLE)])
        conn.execute(insert(Outcome.__table__), [{"id": 1, "key": "growth", "title": "Growth", "period": "2026-Q4",
                                                  "indicators": []}])
        conn.execute(insert(Objective.__table__), [{"id": 1, "outcome_id": 1, "title": "Grow", "period": "2026-Q4"}])
        conn.execute(insert(KeyResult.__table__), [
            {"id": k + 1, "key": f"KR-{k}", "objective_id": 1, "title": f"Key result {k}", "owner_id": k + 1, "unit": "",
             "baseline": 0, "target": 1_000_000, "direction": "increase"} for k in range(KEY_RESULTS)])
        conn.execute(insert(Cadence.__table__), [{"id": 1, "name": "weekly", "every": "week", "on": "monday",
                                                  "at": "09:00", "questions": []}])
        conn.execute(insert(ApiToken.__table__), [{"name": "bench", "scope": "admin", "secret_hash": hash_secret(secret),
                                                   "created_at": at}])
        chunk = 20_000
        for start in range(0, checkins, chunk):
            ids = range(start + 1, min(start + chunk, checkins) + 1)
            conn.execute(insert(CheckIn.__table__), [
                {"id": i, "person_id": (i - 1) % PEOPLE + 1, "cadence_id": 1, "period": f"P{(i - 1) // PEOPLE:05d}",
                 "status": "answered", "prompted_at": at + timedelta(minutes=i), "answered_at": at + timedelta(minutes=i),
                 "reminders_sent": 0, "reflections": {}} for i in ids])
            conn.execute(insert(KRUpdate.__table__), [
                {"checkin_id": i, "key_result_id": (i - 1) % KEY_RESULTS + 1, "value": float(i % 1000),
                 "confidence": i % 11, "note": "steady", "created_at": at} for i in ids])
    engine.dispose()
    return secret


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (/proc/PID/stat), to tell the server's own
    cost from the waiting a loaded machine adds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def current_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def post_values(base: str, secret: str, count: int, concurrency: int, pid: int) -> None:
    latencies: list[float] = []
    failures = 0
    gate = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {secret}"}

    async def one(http: aiohttp.ClientSession, n: int) -> None:
        nonlocal failures
        async with gate:
            started = time.perf_counter()
            async with http.post(f"{base}/api/v1/key-results/KR-{n % KEY_RESULTS}/values",
                                 json={"value": n, "source": "bench"},
                                 headers={**headers, "Idempotency-Key": f"bench-{n}"}) as response:
                await response.read()
                failures += response.status != 201
            latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
        await asyncio.gather(*(one(http, 10_000_000 + n) for n in range(100)))  # warm-up
        latencies.clear()
        started, cpu_before = time.perf_counter(), cpu_seconds(pid)
        await asyncio.gather(*(one(http, n) for n in range(count)))
        elapsed, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu_before
    latencies.sort()

    def pct(p: float) -> str:
        return f"{latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000:.1f} ms"

    print(f"POST values: {count} in {elapsed:.1f} s = {count / elapsed:.0f} values/s, {concurrency} in flight; "
          f"p50 {pct(0.5)}, p99 {pct(0.99)}, max {latencies[-1] * 1000:.1f} ms" + (f"; {failures} not 201" if failures else ""))
    print(f"    server CPU {cpu:.1f} s = {cpu / count * 1000:.2f} ms per value (≈ {count / cpu:.0f} values per CPU-second); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


async def export(base: str, secret: str, pid: int, limit: int | None) -> None:
    params = {} if limit is None else {"limit": str(limit)}
    lines = 0
    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/api/v1/check-ins", params=params,
                            headers={"Authorization": f"Bearer {secret}", "Accept": "application/x-ndjson"}) as response:
            async for chunk in response.content.iter_chunked(1 << 16):
                lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    print(f"NDJSON export of {lines} check-ins in {elapsed:.1f} s = {lines / elapsed:.0f} lines/s; server RSS now "
          f"{current_rss_mb(pid):.0f} MB, peak so far {peak_rss_mb(pid):.0f} MB")


async def serve(db_url: str) -> None:
    from aiohttp import web

    from bot import api
    from bot.process import settle_heap
    from storage.db import Database

    app = web.Application()
    api.mount(app, Database(db_url))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    settle_heap()
    port = runner.addresses[0][1]
    print(f"ready {port}", flush=True)
    await asyncio.Event().wait()


async def main(args: argparse.Namespace) -> None:
    from storage import migrate

    workdir = tempfile.mkdtemp(prefix="api-bench-")
    db_url = f"sqlite:///{workdir}/bench.db"
    migrate.upgrade(db_url)
    started = time.perf_counter()
    secret = seed(db_url, args.checkins)
    print(f"seeded {args.checkins} check-ins in {time.perf_counter() - started:.0f} s")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = await asyncio.create_subprocess_exec(sys.executable, __file__, "--serve", db_url, env=env,
                                                  stdout=asyncio.subprocess.PIPE)
    try:
        ready = (await asyncio.wait_for(server.stdout.readline(), 60)).split()  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{int(ready[1])}"
        print(f"server RSS at start {current_rss_mb(server.pid):.0f} MB")
        await post_values(base, secret, args.values, args.concurrency, server.pid)
        print(f"server RSS after the POSTs {current_rss_mb(server.pid):.0f} MB, peak {peak_rss_mb(server.pid):.0f} MB")
        await export(base, secret, server.pid, 10_000)  # one page (the largest `limit`)
        await export(base, secret, server.pid, None)
        await export(base, secret, server.pid, None)  # a second full export must not raise the peak
    finally:
        server.terminate()
        await server.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--checkins", type=int, default=500_000)
    parser.add_argument("--serve", metavar="DB_URL", help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.serve:
        asyncio.run(serve(parsed.serve))
    else:
        asyncio.run(main(parsed))
