"""Server-side time per dashboard page, and SQL queries per page, on SQLite over loopback.

    PYTHONPATH=. .venv/bin/python benchmarks/dashboard.py                  # 1,000 and 10,000 people
    PYTHONPATH=. .venv/bin/python benchmarks/dashboard.py --people 10000 --requests 100
    PYTHONPATH=. .venv/bin/python benchmarks/dashboard.py --people 10000 --db /tmp/dash10k.db --pages "key result"

`--db` keeps the seeded database (and a `.json` of its facts beside it) and reuses it on the
next run with the same --people and --weeks: seeding 10,000 people takes minutes.

Organisation: one CEO, directors of 25 managers each, every manager with 8 reports (a team per
director); everyone owns three key results (10,000 people → 30,000 key results) under an
objective of their own, cascaded from five company outcomes; a year of weekly check-ins (a
value and confidence for every key result, a tenth of them missed), a blocker every fifth week
(most resolved) and a win every fourth. The database is seeded with plain sqlite3 (not
timed). Then `serve`'s dashboard runs on 127.0.0.1 and signed-in browsers (aiohttp clients)
request each page in turn: a report's home, a key result (a random one each time), a
manager's team page, insights for a manager and for an admin (who sees everyone), and the whole
outcomes tree as an admin. Server
time is measured by a middleware around the dashboard (request in → response out), as wall
time and as the CPU time the process spent on the request (which other programs on a shared
machine do not inflate); queries are counted with a SQLAlchemy `before_cursor_execute` listener. Targets: team page p95 under
100 ms, key-result page under 50 ms, the whole outcomes tree under 300 ms; queries per page
that do not grow with the organisation; insights for an admin under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from aiohttp import ClientSession, CookieJar, web
from sqlalchemy import event

from bot.config import AppConfig, Organisation, Secrets
from bot.process import settle_heap
from bot.runtime import Runtime
from bot.web import app as dashboard
from bot.web.links import issue_link
from storage import migrate
from storage.db import Database

NOW = datetime(2026, 11, 23, 7, 30, tzinfo=timezone.utc)
REPORTS, MANAGERS_PER_DIRECTOR, KRS_EACH, OUTCOMES = 8, 25, 3, 5


def _ts(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def seed(path: Path, *, people_wanted: int, weeks: int) -> dict[str, int]:
    rng = random.Random(13)
    db = sqlite3.connect(path)
    joined = _ts(NOW - timedelta(days=weeks * 7 + 30))
    people, krs, objectives, checkins, updates, blockers, wins, teams = [], [], [], [], [], [], [], []
    ids = iter(range(1, 10**9))

    def person(name: str, manager: int | None, team: int | None, admin: int = 0) -> int:
        pid = next(ids)
        people.append((pid, f"{name}@example.com", name.title(), "Europe/Berlin", "DE", manager, team, admin, 1, joined))
        return pid

    ceo = person("ceo", None, None, admin=1)
    db.execute("INSERT INTO cadence (id, name, every, \"on\", at, questions) VALUES (1, 'weekly', 'week', 'monday', '09:00', '[]')")
    for o in range(1, OUTCOMES + 1):
        db.execute("INSERT INTO outcome (id, key, title, period, indicators) VALUES (?, ?, ?, '2026-Q4', '[]')",
                   (o, f"outcome-{o}", f"Company outcome {o}"))
    per_manager = REPORTS + 1
    managers = max(1, (people_wanted - 1) // (per_manager + 1.0 / MANAGERS_PER_DIRECTOR))
    owners: list[int] = []
    director = team = None
    for m in range(int(managers)):
        if m % MANAGERS_PER_DIRECTOR == 0:
            team = len(teams) + 1
            teams.append((team, f"Team {team}"))
            director = person(f"director{m // MANAGERS_PER_DIRECTOR}", ceo, team)
            owners.append(director)
        manager = person(f"manager{m}", director, team)
        owners.append(manager)
        owners.extend(person(f"report{m}.{r}", manager, team) for r in range(REPORTS))
    last_monday = datetime(2026, 11, 16, 9, tzinfo=timezone.utc)
    kr_id = checkin_id = blocker_id = 0
    for owner in owners:
        objectives.append((owner, 1 + owner % OUTCOMES, f"Objective of {owner}", "2026-Q4", owner))
        owned = []
        for _ in range(KRS_EACH):
            kr_id += 1
            owned.append(kr_id)
            krs.append((kr_id, f"kr{kr_id}", owner, f"Key result {kr_id}", owner, "", 0.0, 100.0, "increase"))
        trend = rng.choice((0.5, 1.0, 1.5, 2.0))
        for w in range(weeks):
            answered_at = last_monday - timedelta(weeks=weeks - 1 - w)
            year, week, _ = answered_at.isocalendar()
            checkin_id += 1
            missed = rng.random() < 0.1
            checkins.append((checkin_id, owner, 1, f"{year}-W{week:02d}", "missed" if missed else "answered",
                             _ts(answered_at - timedelta(hours=1)), None if missed else _ts(answered_at)))
            if not missed:
                for k in owned:
                    updates.append((checkin_id, k, min(100.0, trend * w + rng.random()), rng.randint(3, 9), _ts(answered_at)))
            if w % 5 == 4:
                blocker_id += 1
                blockers.append((blocker_id, owner, checkin_id, rng.choice(owned), f"Blocked on {blocker_id}",
                                 "open" if rng.random() < 0.2 else "resolved", _ts(answered_at)))
            if w % 4 == 3 and not missed:
                wins.append((owner, checkin_id, owned[0], f"Win {checkin_id}", 0, "private", _ts(answered_at)))
    db.executemany("INSERT INTO team (id, name) VALUES (?, ?)", teams)
    db.executemany("INSERT INTO person (id, email, name, timezone, country, manager_id, team_id, is_admin, active, created_at) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?)", people)
    db.executemany("INSERT INTO objective (id, outcome_id, title, period, owner_person_id) VALUES (?,?,?,?,?)", objectives)
    db.executemany("INSERT INTO key_result (id, key, objective_id, title, owner_id, unit, baseline, target, direction) "
                   "VALUES (?,?,?,?,?,?,?,?,?)", krs)
    db.execute("UPDATE key_result SET \"current\" = (SELECT value FROM kr_update WHERE key_result_id = key_result.id "
               "ORDER BY created_at DESC LIMIT 1)")
    db.executemany("INSERT INTO checkin (id, person_id, cadence_id, period, status, prompted_at, answered_at, reminders_sent, reflections) "
                   "VALUES (?,?,?,?,?,?,?,0,'{}')", checkins)
    db.executemany("INSERT INTO kr_update (checkin_id, key_result_id, value, confidence, note, created_at) VALUES (?,?,?,?,'',?)", updates)
    db.execute("UPDATE key_result SET \"current\" = (SELECT value FROM kr_update WHERE key_result_id = key_result.id "
               "ORDER BY id DESC LIMIT 1), confidence = (SELECT confidence FROM kr_update WHERE key_result_id = key_result.id "
               "ORDER BY id DESC LIMIT 1)")
    db.executemany("INSERT INTO blocker (id, person_id, checkin_id, key_result_id, text, status, created_at) VALUES (?,?,?,?,?,?,?)", blockers)
    db.executemany("INSERT INTO win (person_id, checkin_id, key_result_id, text, share, status, created_at) VALUES (?,?,?,?,?,?,?)", wins)
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return {"people": len(people), "key_results": kr_id, "updates": len(updates), "manager": people[2][0], "report": people[3][0]}


def seeded(path: Path, *, people_wanted: int, weeks: int) -> dict[str, int]:
    """The facts of a database seeded at `path`: reused when seeded before with the same size."""
    about = path.with_name(path.name + ".json")
    wanted = {"people_wanted": people_wanted, "weeks": weeks}
    if path.exists() and about.exists():
        known = json.loads(about.read_text())
        if known.get("seeded_with") == wanted:
            migrate.upgrade(f"sqlite:///{path}")  # migrations added since it was seeded
            return known["facts"]
    for stale in (path, about):
        stale.unlink(missing_ok=True)
    migrate.upgrade(f"sqlite:///{path}")
    facts = seed(path, people_wanted=people_wanted, weeks=weeks)
    about.write_text(json.dumps({"seeded_with": wanted, "facts": facts}))
    return facts


PAGES = ("home", "key result", "team", "insights", "insights (admin)", "outcomes tree")


async def measure(people_wanted: int, weeks: int, requests: int, *, keep: Path | None = None,
                  pages_wanted: tuple[str, ...] = PAGES) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = keep if keep is not None else Path(tmp) / "bench.db"
        url = f"sqlite:///{path}"
        facts = seeded(path, people_wanted=people_wanted, weeks=weeks)
        db = Database(url)
        config = AppConfig(organisation=Organisation(name="Bench", timezone="Europe/Berlin", country="DE"))
        timings: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        queries: dict[str, list[int]] = {}
        counted = [0]
        event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *_: counted.__setitem__(0, counted[0] + 1))

        @web.middleware
        async def timed(request: web.Request, handler):
            counted[0] = 0
            started, started_cpu = time.perf_counter(), time.process_time()
            response = await handler(request)
            name = request.headers.get("X-Bench-Page")
            if name:
                timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
                cpu.setdefault(name, []).append((time.process_time() - started_cpu) * 1000)
                queries.setdefault(name, []).append(counted[0])
            return response

        app = web.Application(middlewares=[timed])
        dashboard.mount(app, Runtime(config=config, secrets=Secrets(), db=db), clock=lambda: NOW)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"

        async def browser(person_id: int) -> ClientSession:
            client = ClientSession(base_url=base, cookie_jar=CookieJar(unsafe=True))
            link = await issue_link(db, config, person_id=person_id, now=NOW)
            body = await (await client.get(link.split("127.0.0.1:3000", 1)[1])).text()
            token = re.search(r'name="token" value="([^"]+)"', body).group(1)  # type: ignore[union-attr]
            csrf = re.search(r'name="csrf" value="([^"]+)"', body).group(1)  # type: ignore[union-attr]
            await client.post("/dash/login", data={"token": token, "csrf": csrf}, allow_redirects=False)
            return client

        admin, manager, report = await browser(1), await browser(facts["manager"]), await browser(facts["report"])
        settle_heap()  # as `serve` does once it is set up
        rng = random.Random(5)
        pages = [
            ("home", report, lambda: "/dash/"),
            ("key result", admin, lambda: f"/dash/kr/kr{rng.randint(1, facts['key_results'])}"),
            ("team", manager, lambda: "/dash/team"),
            ("insights", manager, lambda: "/dash/insights"),
            ("insights (admin)", admin, lambda: "/dash/insights"),
            ("outcomes tree", admin, lambda: "/dash/outcomes"),
        ]
        for name, client, path in pages:
            if name not in pages_wanted:
                continue
            for n in range(requests + 3):
                response = await client.get(path(), headers={"X-Bench-Page": name if n >= 3 else ""})  # 3 warm-ups
                assert response.status == 200, (name, response.status)
                await response.read()
        for client in (admin, manager, report):
            await client.close()
        await runner.cleanup()
        await db.dispose()
    return {**facts, "timings": timings, "cpu": cpu, "queries": queries}


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--db", type=Path, help="keep the seeded SQLite database here and reuse it (one --people)")
    parser.add_argument("--pages", nargs="*", choices=PAGES, default=list(PAGES), help="measure only these pages")
    args = parser.parse_args(argv)
    if args.db is not None and len(args.people) != 1:
        parser.error("--db keeps one database: give one --people")
    print(f"{'people':>7} {'KRs':>6} {'values':>8}  {'page':<14} {'p50 ms':>7} {'p95 ms':>7} {'CPU p50':>7} {'CPU p95':>7} "
          f"{'queries':>7}")
    for people in args.people:
        r = asyncio.run(measure(people, args.weeks, args.requests, keep=args.db, pages_wanted=tuple(args.pages)))
        for name, values in r["timings"].items():
            spread = sorted(set(r["queries"][name]))
            shown = str(spread[0]) if len(spread) == 1 else f"{spread[0]}-{spread[-1]}"
            used = r["cpu"][name]
            print(f"{r['people']:>7} {r['key_results']:>6} {r['updates']:>8}  {name:<14} {_p(values, 50):>7.1f} "
                  f"{_p(values, 95):>7.1f} {_p(used, 50):>7.1f} {_p(used, 95):>7.1f} {shown:>7}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
