"""Time-to-ack of /slack/events on SQLite: signed view_submission and slash-command requests.

    PYTHONPATH=. python benchmarks/slack_ingress.py [--requests 1000] [--rate 100] [--concurrency 50]

The bot runs in its own process (HTTP + Bolt + router + SQLite), as in production; this
process plays Slack: it sends signed requests (half modal submissions that store a whole
check-in, half slash commands) with at most `--concurrency` in flight, first paced at
`--rate` requests per second, then as fast as the bot answers, and prints throughput and
p50/p99 time to ack. A local fake Slack Web API takes the calls made after the ack.
Submissions that could not be taken within the bot's wait limit are answered "busy, submit
again" inline (nothing stored, typed text kept); they are counted separately.
Target: p99 under 250 ms at 100 requests/s (Slack's own deadline is 3 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import slack_requests as rq  # noqa: E402
from tests.fake_slack import FakeSlack  # noqa: E402

PEOPLE = 1200
KRS_PER_PERSON = 3


async def seed(url: str) -> list[dict]:
    """People with Slack ids, three key results each, and an open check-in per person."""
    from bot.config import AppConfig
    from cadences.registry import sync_cadences
    from storage.db import Database
    from storage.models import Direction, KeyResult, Objective, Outcome, Person
    from storage.repositories.checkins import get_or_create_checkin
    from storage.repositories.identities import set_identity

    db = Database(url)
    people = []
    async with db.transaction() as s:
        cadence = (await sync_cadences(s, AppConfig().cadences))["weekly"]
        outcome = Outcome(key="growth", title="Customers grow with us", period="2026-Q4")
        s.add(outcome)
        await s.flush()
        for n in range(PEOPLE):
            person = Person(email=f"p{n}@bench.example", name=f"Person {n}", timezone="Europe/Berlin", country="DE")
            s.add(person)
            await s.flush()
            await set_identity(s, person.id, "slack", external_id=f"UBENCH{n:05d}")
            objective = Objective(outcome_id=outcome.id, title=f"Objective {n}", period="2026-Q4", owner_person_id=person.id)
            s.add(objective)
            await s.flush()
            krs = [KeyResult(key=f"kr-{n}-{k}", objective_id=objective.id, title=f"Key result {k}", owner_id=person.id,
                             unit="%", baseline=0, target=100, direction=Direction.increase) for k in range(KRS_PER_PERSON)]
            s.add_all(krs)
            await s.flush()
            checkin = await get_or_create_checkin(s, person=person, cadence=cadence, period="2026-W48")
            people.append({"user": f"UBENCH{n:05d}", "checkin_id": checkin.id, "krs": [kr.id for kr in krs]})
    await db.dispose()
    return people


def submission(person: dict, n: int) -> tuple[str, dict[str, str]]:
    values = {}
    for kr in person["krs"]:
        values[f"kr.{kr}.value"] = rq.typed("number_input", str(10 + n % 50))
        values[f"kr.{kr}.confidence"] = rq.typed("static_select", str(n % 11))
        values[f"kr.{kr}.note"] = rq.typed("plain_text_input", "steady progress")
    values["blocker.1.text"] = rq.typed("plain_text_input", f"Waiting on access #{n}")
    values["win.1.text"] = rq.typed("plain_text_input", f"Closed deal #{n}")
    blocks = [{"type": "input", "block_id": name, "element": {"type": "plain_text_input", "action_id": "v"},
               "label": {"type": "plain_text", "text": name}} for name in values]
    view = {"id": f"VBENCH{n:06d}", "hash": "h", "type": "modal", "callback_id": "checkin", "blocks": blocks,
            "private_metadata": json.dumps({"form": "checkin", "checkin_id": str(person["checkin_id"])})}
    return rq.interaction_request(rq.view_submission(view, values, user=person["user"]))


def command(person: dict, n: int, response_url: str) -> tuple[str, dict[str, str]]:
    word, text = [("/okrs", ""), ("/win", f"Shipped thing {n}"), ("/blockers", "")][n % 3]
    return rq.form_request(rq.slash_command(word, text, user=person["user"], response_url=response_url))


def requests_for(people: list[dict], start: int, count: int, response_url: str) -> list[tuple[str, str, dict]]:
    built = []
    for i in range(count):
        n = start + i
        if n % 2 == 0:
            built.append(("view_submission", *submission(people[(n // 2) % len(people)], n)))
        else:
            built.append(("slash_command", *command(people[n % len(people)], n, response_url)))
    return built


async def drive(url: str, batch: list[tuple[str, str, dict]], *, concurrency: int, rate: float | None) -> tuple[float, dict[str, list[float]]]:
    latencies: dict[str, list[float]] = {"view_submission": [], "slash_command": []}
    failures = busy = 0
    gate = asyncio.Semaphore(concurrency)

    async def one(session: aiohttp.ClientSession, kind: str, body: str, headers: dict) -> None:
        nonlocal failures, busy
        async with gate:
            # Re-sign at send time so paced requests are never stale.
            headers = {**headers, **rq.sign(body)}
            started = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=headers) as response:
                answer = await response.read()
                if response.status != 200:
                    failures += 1
                elif kind == "view_submission" and b"response_action" in answer:
                    busy += 1
            latencies[kind].append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        tasks = []
        for i, (kind, body, headers) in enumerate(batch):
            if rate:
                delay = started + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, kind, body, headers)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    if failures:
        print(f"  !! {failures} requests were not answered 200")
    if busy:
        print(f"  !! {busy} submissions were answered busy (nothing stored; the person submits again)")
    return elapsed, latencies


def report(title: str, elapsed: float, latencies: dict[str, list[float]]) -> None:
    every = sorted(x for values in latencies.values() for x in values)

    def pct(values: list[float], p: float) -> str:
        values = sorted(values)
        return f"{values[min(len(values) - 1, int(p * len(values)))] * 1000:.0f} ms"

    print(f"{title}: {len(every)} requests in {elapsed:.1f} s = {len(every) / elapsed:.0f} req/s; "
          f"time to ack p50 {pct(every, 0.50)}, p99 {pct(every, 0.99)}, max {every[-1] * 1000:.0f} ms")
    for kind, values in latencies.items():
        if values:
            print(f"    {kind:16s} n={len(values):4d} p50 {pct(values, 0.5)} p99 {pct(values, 0.99)} "
                  f"mean {statistics.mean(values) * 1000:.0f} ms")


async def serve(port: int, db_url: str, api_url: str) -> None:
    """The bot process: the real SlackBot and router behind /slack/events."""
    from aiohttp import web

    from bot.config import AppConfig, Secrets
    from bot.process import settle_heap
    from bot.router import Router
    from bot.slack.app import SlackBot
    from bot.slack.wiring import SlackWiring
    from storage.db import Database

    config = AppConfig(slack_api_url=api_url)
    db = Database(db_url)
    secrets = Secrets(slack_bot_token="xoxb-bench", slack_signing_secret=rq.SIGNING_SECRET, slack_app_token=None)
    bot = SlackBot(config=config, secrets=secrets, db=db, router=Router(config, db))
    app = web.Application()
    SlackWiring(bot).mount(app)
    settle_heap()  # as `serve` does once wired up, before it answers anything
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


async def main(args: argparse.Namespace) -> None:
    from storage import migrate

    workdir = tempfile.mkdtemp(prefix="slack-bench-")
    db_url = f"sqlite:///{workdir}/bench.db"
    migrate.upgrade(db_url)
    people = await seed(db_url)
    fake = await FakeSlack().start()
    port = 3900 + os.getpid() % 1000
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    bot = await asyncio.create_subprocess_exec(sys.executable, __file__, "--serve", str(port), db_url, fake.api_url,
                                               env=env, stdout=asyncio.subprocess.PIPE)
    try:
        assert (await asyncio.wait_for(bot.stdout.readline(), 60)).strip() == b"ready"  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}/slack/events"
        await drive(url, requests_for(people, 10_000_000, 40, fake.response_url()), concurrency=10, rate=None)  # warm-up
        print(f"SQLite, {PEOPLE} people, {args.concurrency} concurrent, half view_submission (a whole check-in stored) "
              "and half slash commands:")
        elapsed, latencies = await drive(url, requests_for(people, 0, args.requests, fake.response_url()),
                                         concurrency=args.concurrency, rate=args.rate)
        report(f"  paced at {args.rate:.0f} req/s", elapsed, latencies)
        elapsed, latencies = await drive(url, requests_for(people, args.requests, args.requests, fake.response_url()),
                                         concurrency=args.concurrency, rate=None)
        report("  unpaced (max throughput)", elapsed, latencies)
    finally:
        bot.terminate()
        await bot.wait()
        await fake.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--serve", nargs=3, metavar=("PORT", "DB_URL", "API_URL"), help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.serve:
        asyncio.run(serve(int(parsed.serve[0]), parsed.serve[1], parsed.serve[2]))
    else:
        asyncio.run(main(parsed))
