"""Managers' digests: the right people, blockers, risks, wins and nudges, at the manager's local
time, once a week, never empty."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import event
from sqlmodel import select

from storage.repositories.digest_data import load_org
from cadences.digest_planner import digest_time, queue_due_digests
from cadences.settings import DigestOverride, DigestSchedule, NudgePolicy
from storage.models import Delivery, DeliveryStatus, Nudge, Person
from tests.manager_team import NOW, seed_team

SCHEDULE = DigestSchedule(weekday="monday", at="08:30")
POLICY = NudgePolicy(budget_per_week=3, cooldown_days=14)


async def run(db, now=NOW, schedule=SCHEDULE, policy=POLICY) -> int:
    return await queue_due_digests(db, schedule=schedule, nudges=policy, now=now)


async def digests(db) -> dict[str, Delivery]:
    async with db.session() as session:
        rows = (await session.exec(select(Delivery, Person).join(Person, Person.id == Delivery.person_id)
                                   .where(Delivery.template == "digest"))).all()
    return {person.name: delivery for delivery, person in rows}


async def test_digest_lists_who_checked_in_and_who_has_not_alphabetically_without_scores(db) -> None:
    async with db.transaction() as session:
        await seed_team(session)
    assert await run(db) == 3
    maya = (await digests(db))["Maya"].context
    assert maya["checked_in"] == ["Ben", "Chloe", "Eve"]
    assert maya["not_checked_in"] == ["Dev"]
    assert maya["period"] == "2026-W48" and maya["since"] == "2026-11-16"
    assert "score" not in str(maya) and "rank" not in str(maya)


async def test_open_blockers_come_oldest_first_with_the_key_result_they_threaten(db) -> None:
    async with db.transaction() as session:
        team = await seed_team(session)
    await run(db)
    blockers = (await digests(db))["Maya"].context["blockers"]
    assert [b["id"] for b in blockers] == [
        team.blockers[k].id for k in ("eve_legal", "ben_db_3", "chloe_access", "chloe_checkout", "eve_checkout")]
    assert [(b["person"], b["age_days"], b["key_result"]) for b in blockers] == [
        ("Eve", 27, "Trial-to-paid conversion"), ("Ben", 6, "Checkout p95 latency"), ("Chloe", 6, None),
        ("Chloe", 6, "Checkout p95 latency"), ("Eve", 6, "Checkout p95 latency")]
    assert blockers[0]["outcome"] == "Trials turn into paying customers"
    assert blockers[1]["outcome"] == "New customers succeed in their first week"


async def test_key_results_at_risk_are_low_confidence_or_a_drop_of_three(db) -> None:
    async with db.transaction() as session:
        await seed_team(session)
    await run(db)
    at_risk = (await digests(db))["Maya"].context["at_risk"]
    assert [(k["person"], k["key_result"], k["confidence"], k["previous_confidence"]) for k in at_risk] == [
        ("Ben", "Checkout p95 latency", 4, 7), ("Eve", "Trial-to-paid conversion", 5, 8)]


async def test_wins_and_this_weeks_nudges_are_in_the_digest_and_nudges_are_stored_as_sent(db) -> None:
    async with db.transaction() as session:
        team = await seed_team(session)
    await run(db)
    maya = (await digests(db))["Maya"].context
    assert [(w["person"], w["text"]) for w in maya["wins"]] == [("Chloe", "Activation crossed 35% for the first time")]
    assert [(n["rule"], n["person"]) for n in maya["nudges"]] == [
        ("recurring_blocker", "Ben"), ("recurring_blocker", "Eve"), ("lapsed", "Dev")]
    assert maya["nudges"][0]["summary"] == (
        "“Checkout p95 latency” is named in open blockers by 3 reports, raised on 16 Nov 2026.")
    assert {b["person"] for b in maya["blockers"] if b["key_result"] == "Checkout p95 latency"} == {"Ben", "Chloe", "Eve"}
    assert "27 days, since 26 Oct 2026" in maya["nudges"][1]["summary"]
    async with db.session() as session:
        stored = (await session.exec(select(Nudge).where(Nudge.manager_id == team.id("Maya")))).all()
    assert {n.id for n in stored} == {n["id"] for n in maya["nudges"]}
    assert all(n.sent_at == NOW and n.evidence for n in stored)


async def test_a_manager_of_managers_gets_the_organisations_blockers_older_than_two_weeks(db) -> None:
    async with db.transaction() as session:
        team = await seed_team(session)
    await run(db)
    found = await digests(db)
    carla = found["Carla"].context
    assert [(b["person"], b["manager"], b["age_days"]) for b in carla["rollup"]] == [("Pia", "Omar", 34), ("Eve", "Maya", 27)]
    assert carla["blockers"] == []  # her direct reports (managers) raised none
    assert found["Omar"].context["rollup"] == [] and found["Maya"].context["rollup"] == []
    assert team.blockers["ben_db_3"].id not in {b["id"] for b in carla["rollup"]}  # six days old


async def test_an_empty_digest_is_not_sent_and_not_rebuilt_on_every_tick(db) -> None:
    async with db.transaction() as session:
        team = await seed_team(session)
        nina = Person(email="nina@example.com", name="Nina", timezone="Europe/Berlin", country="DE",
                      manager_id=team.id("Carla"), created_at=NOW - timedelta(days=3))
        session.add(nina)
        await session.flush()
        session.add(Person(email="otto@example.com", name="Otto", timezone="Europe/Berlin", country="DE",
                           manager_id=nina.id, created_at=NOW - timedelta(days=3)))
    assert await run(db) == 3  # Carla, Maya, Omar; Nina's has nothing in it
    assert (await digests(db))["Nina"].status == DeliveryStatus.cancelled
    assert await run(db, now=NOW + timedelta(minutes=5)) == 0


async def test_digest_arrives_at_the_managers_local_time_with_per_manager_overrides(db) -> None:
    async with db.transaction() as session:
        team = await seed_team(session)
        omar = await session.get(Person, team.id("Omar"))
        omar.timezone = "America/New_York"
    schedule = DigestSchedule(weekday="monday", at="08:30",
                              overrides={"Carla@Example.com": DigestOverride(weekday="friday", at="16:00")})
    assert await run(db, now=NOW - timedelta(minutes=1), schedule=schedule) == 0
    assert await run(db, now=NOW, schedule=schedule) == 1  # Maya, 08:30 in Berlin
    assert await run(db, now=datetime(2026, 11, 23, 13, 30, tzinfo=timezone.utc), schedule=schedule) == 1  # Omar, 08:30 in New York
    assert await run(db, now=datetime(2026, 11, 27, 14, 59, tzinfo=timezone.utc), schedule=schedule) == 0
    assert await run(db, now=datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc), schedule=schedule) == 1  # Carla, Friday 16:00
    found = await digests(db)
    assert found["Maya"].platform == "slack" and found["Maya"].address == "UMAYA"
    assert {d.idempotency_key for d in found.values()} == {
        f"digest:{team.id(n)}:2026-W48" for n in ("Maya", "Omar", "Carla")}


async def test_after_downtime_the_digest_comes_late_once_but_a_missed_week_is_not_sent_next_week(db) -> None:
    async with db.transaction() as session:
        team = await seed_team(session)
    async with db.session() as session:
        maya = (await load_org(session)).people[team.id("Maya")]
    assert digest_time(maya, SCHEDULE, NOW + timedelta(days=3)) == ("2026-W48", NOW)
    assert await run(db, now=NOW + timedelta(days=3)) == 3
    assert await run(db, now=NOW + timedelta(days=3, hours=1)) == 0
    period, at = digest_time(maya, SCHEDULE, NOW + timedelta(days=7) - timedelta(minutes=1))
    assert period == "2026-W49" and at == NOW + timedelta(days=7)


async def test_next_weeks_digest_respects_the_nudge_cooldown(db) -> None:
    async with db.transaction() as session:
        await seed_team(session)
    await run(db)
    await run(db, now=NOW + timedelta(days=7))
    async with db.session() as session:
        nudges = (await session.exec(select(Nudge))).all()
    pairs = [(n.rule, n.report_id) for n in nudges]
    assert len(pairs) == len(set(pairs))  # no rule repeated about a report within 14 days


async def test_queries_per_digest_do_not_grow_with_the_number_of_managers(db) -> None:
    async with db.transaction() as session:
        await seed_team(session)
    queries = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *a: queries.append(1))
    await run(db)
    small = len(queries)
    async with db.transaction() as session:
        for n in range(30):
            boss = Person(email=f"boss{n}@example.com", name=f"Boss {n}", timezone="Asia/Tokyo", country="JP",
                          created_at=NOW - timedelta(days=90))
            session.add(boss)
            await session.flush()
            session.add_all([Person(email=f"r{n}.{i}@example.com", name=f"Report {n}.{i}", timezone="Asia/Tokyo",
                                    country="JP", manager_id=boss.id, created_at=NOW - timedelta(days=90)) for i in range(4)])
    queries.clear()
    await run(db, now=NOW + timedelta(days=7))
    assert 5 < small and len(queries) <= small + 2  # 33 managers, about the same queries as for 3
