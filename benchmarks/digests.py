"""Time to build and render every manager's digest, and SQL queries per digest, on SQLite.

    PYTHONPATH=. .venv/bin/python benchmarks/digests.py                 # both sizes below
    PYTHONPATH=. .venv/bin/python benchmarks/digests.py --managers 2000 --weeks 52

Organisation: one CEO, directors of 50 managers each, every manager with 8 reports; each
report has two key results and a weekly check-in for every week of the history, a blocker
every fifth week (most resolved) and a win every fourth. The database is seeded with plain
sqlite3 (not timed); then one scheduler pass queues every digest — build (reads, coaching
rules, nudges written) — and each digest is rendered for text, Slack and Teams. Queries are
counted with a SQLAlchemy `before_cursor_execute` listener. Targets: under 30 s in all for
2,000 managers with a year of history; queries per digest that do not grow with managers or
weeks.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import event
from sqlmodel import select

from cadences.digest_planner import queue_due_digests
from cadences.settings import DigestSchedule, NudgePolicy
from messages.render import Renderer
from storage import migrate
from storage.db import Database
from storage.models import Delivery, DeliveryStatus

NOW = datetime(2026, 11, 23, 7, 30, tzinfo=timezone.utc)  # Monday 08:30 in Berlin
REPORTS = 8
MANAGERS_PER_DIRECTOR = 50


def _ts(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def seed(path: Path, *, managers: int, weeks: int) -> int:
    """Write the organisation and its history; returns the number of people."""
    rng = random.Random(7)
    db = sqlite3.connect(path)
    joined = _ts(NOW - timedelta(days=weeks * 7 + 30))
    people, krs, objectives, checkins, updates, blockers, wins = [], [], [], [], [], [], []
    next_id = iter(range(1, 10**9))

    def person(name: str, manager: int | None) -> int:
        pid = next(next_id)
        people.append((pid, f"{name}@example.com", name, "Europe/Berlin", "DE", manager, None, 0, 1, joined))
        return pid

    ceo = person("ceo", None)
    directors = [person(f"director{d}", ceo) for d in range((managers + MANAGERS_PER_DIRECTOR - 1) // MANAGERS_PER_DIRECTOR)]
    db.execute("INSERT INTO cadence (id, name, every, \"on\", at, questions) VALUES (1, 'weekly', 'week', 'monday', '09:00', '[]')")
    db.execute("INSERT INTO outcome (id, key, title, period, indicators) VALUES (1, 'o', 'Customers succeed', '2026', '[]')")
    checkin_id = kr_id = blocker_id = 0
    last_monday = datetime(2026, 11, 16, 9, tzinfo=timezone.utc)
    for m in range(managers):
        manager = person(f"manager{m}", directors[m // MANAGERS_PER_DIRECTOR])
        for r in range(REPORTS):
            report = person(f"report{m}.{r}", manager)
            objectives.append((report, 1, f"Objective of {report}", "2026", report))
            owned = []
            for k in range(2):
                kr_id += 1
                owned.append(kr_id)
                krs.append((kr_id, f"kr{kr_id}", report, f"Key result {kr_id}", report, "", 0.0, 100.0, "increase"))
            trend = rng.choice((0.0, 0.5, 1.0, 2.0))
            for w in range(weeks):
                answered_at = last_monday - timedelta(weeks=weeks - 1 - w)
                period = f"{answered_at.isocalendar()[0]}-W{answered_at.isocalendar()[1]:02d}"
                checkin_id += 1
                skipped = rng.random() < 0.1
                checkins.append((checkin_id, report, 1, period, "missed" if skipped else "answered",
                                 _ts(answered_at - timedelta(hours=1)), None if skipped else _ts(answered_at)))
                if not skipped:
                    for k in owned:
                        value = min(100.0, trend * w + rng.random())
                        updates.append((checkin_id, k, value, max(0, min(10, 6 + rng.randint(-3, 3))), _ts(answered_at)))
                if w % 5 == 4:
                    blocker_id += 1
                    status = "open" if rng.random() < 0.2 else "resolved"
                    blockers.append((blocker_id, report, checkin_id, rng.choice(owned), f"Blocked on {blocker_id}", status, _ts(answered_at)))
                if w % 4 == 3 and not skipped:
                    wins.append((report, checkin_id, owned[0], f"Win {checkin_id}", 0, "private", _ts(answered_at)))

    db.executemany("INSERT INTO person (id, email, name, timezone, country, manager_id, team_id, is_admin, active, created_at) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?)", people)
    db.executemany("INSERT INTO objective (id, outcome_id, title, period, owner_person_id) VALUES (?,?,?,?,?)", objectives)
    db.executemany("INSERT INTO key_result (id, key, objective_id, title, owner_id, unit, baseline, target, direction) "
                   "VALUES (?,?,?,?,?,?,?,?,?)", krs)
    db.executemany("INSERT INTO checkin (id, person_id, cadence_id, period, status, prompted_at, answered_at, reminders_sent, reflections) "
                   "VALUES (?,?,?,?,?,?,?,0,'{}')", checkins)
    db.executemany("INSERT INTO kr_update (checkin_id, key_result_id, value, confidence, note, created_at) VALUES (?,?,?,?,'',?)", updates)
    db.executemany("INSERT INTO blocker (id, person_id, checkin_id, key_result_id, text, status, created_at) VALUES (?,?,?,?,?,?,?)", blockers)
    db.executemany("INSERT INTO win (person_id, checkin_id, key_result_id, text, share, status, created_at) VALUES (?,?,?,?,?,?,?)", wins)
    db.commit()
    db.close()
    return len(people)


async def measure(managers: int, weeks: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        migrate.upgrade(f"sqlite:///{path}")
        started = time.perf_counter()
        people = seed(path, managers=managers, weeks=weeks)
        seeded = time.perf_counter() - started
        db = Database(f"sqlite:///{path}")
        queries = 0

        def count(*_args) -> None:
            nonlocal queries
            queries += 1

        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        started = time.perf_counter()
        queued = await queue_due_digests(db, schedule=DigestSchedule(), nudges=NudgePolicy(), now=NOW)
        built = time.perf_counter() - started
        build_queries = queries
        async with db.session() as session:
            contexts = (await session.exec(select(Delivery.context).where(
                Delivery.template == "digest", Delivery.status == DeliveryStatus.pending.value))).all()
        started = time.perf_counter()
        renderers = [Renderer(surface) for surface in ("text", "slack", "teams")]
        for context in contexts:
            for renderer in renderers:
                renderer.render("digest", context)
        rendered = time.perf_counter() - started
        await db.dispose()
    return {"managers": managers, "weeks": weeks, "people": people, "seeded_s": seeded, "digests": queued,
            "build_s": built, "render_s": rendered, "queries": build_queries, "queries_per_digest": build_queries / max(1, queued)}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", type=int, nargs="*", default=[500, 2000])
    parser.add_argument("--weeks", type=int, nargs="*", default=[8, 52])
    args = parser.parse_args(argv)
    print(f"{'managers':>8} {'weeks':>5} {'people':>7} {'digests':>7} {'build s':>8} {'render s':>8} {'total s':>8} {'queries':>7} {'q/digest':>8}")
    for managers in args.managers:
        for weeks in args.weeks:
            r = asyncio.run(measure(managers, weeks))
            print(f"{r['managers']:>8} {r['weeks']:>5} {r['people']:>7} {r['digests']:>7} {r['build_s']:>8.2f} "
                  f"{r['render_s']:>8.2f} {r['build_s'] + r['render_s']:>8.2f} {r['queries']:>7} {r['queries_per_digest']:>8.3f}",
                  flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
