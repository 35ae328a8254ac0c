"""The fan-out's many-row statements: inside the session's transaction, errors as SQLAlchemy
raises them, and a failed batch leaves nothing behind — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, Table, func, select, text
from sqlalchemy.exc import IntegrityError

from storage.bulk import Bulk
from storage.db import Database
from storage.models import Delivery, Person
from tests.cadence_fixtures import add_person, utc

NOW = utc(2026, 3, 2, 8)
DELIVERY = Delivery.__table__


async def test_a_batch_that_breaks_a_constraint_midway_writes_none_of_it(any_db_url: str) -> None:
    db = Database(any_db_url)
    try:
        person_id = await add_person(db, "ana@example.com")
        with pytest.raises(IntegrityError):
            async with db.transaction() as session:
                bulk = await Bulk.of(session)
                rows = [{"idempotency_key": f"k{n}", "person_id": person_id, "team_id": None, "platform": "console",
                         "address": "a", "template": "digest", "context": {"n": n}, "status": "pending",
                         "attempts": 0, "next_attempt_at": NOW, "replaces_ref": None, "created_at": NOW}
                        for n in range(3)]
                inserted = await bulk.insert(DELIVERY, rows, conflict_on=("idempotency_key",),
                                             returning=("idempotency_key", "id"))
                assert sorted(row.idempotency_key for row in inserted) == ["k0", "k1", "k2"]
                orphan = {**rows[0], "idempotency_key": "k-orphan", "person_id": person_id + 1000}  # no such person
                await bulk.insert_values(DELIVERY, tuple(orphan), [tuple(orphan.values())])
        async with db.session() as session:
            assert (await session.execute(select(func.count()).select_from(Delivery))).scalar() == 0
    finally:
        await db.dispose()


def _delivery(key: str, person_id: int) -> tuple:
    return (key, person_id, None, "console", "a", "digest", {"key": key}, "pending", 0, NOW, None, NOW)


_DELIVERY_COLUMNS = ("idempotency_key", "person_id", "team_id", "platform", "address", "template", "context",
                     "status", "attempts", "next_attempt_at", "replaces_ref", "created_at")


async def test_numbered_insert_gives_each_new_row_its_id_and_none_where_the_key_was_taken(any_db: Database) -> None:
    person_id = await add_person(any_db, "ana@example.com")
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        first = await bulk.insert_numbered(DELIVERY, _DELIVERY_COLUMNS,
                                           [_delivery(key, person_id) for key in ("a", "b")],
                                           conflict_on=("idempotency_key",))
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        second = await bulk.insert_numbered(DELIVERY, _DELIVERY_COLUMNS,
                                            [_delivery(key, person_id) for key in ("c", "a", "d", "b")],
                                            conflict_on=("idempotency_key",))
    async with any_db.session() as session:
        stored = dict((await session.execute(select(Delivery.idempotency_key, Delivery.id))).all())
        context, next_attempt_at = (await session.execute(
            select(Delivery.context, Delivery.next_attempt_at).where(Delivery.idempotency_key == "c"))).one()
    assert first == [stored["a"], stored["b"]]
    assert second == [stored["c"], None, stored["d"], None]
    assert len(stored) == 4
    assert (context, next_attempt_at) == ({"key": "c"}, NOW)  # stored as SQLAlchemy stores them


async def test_numbered_insert_of_a_batch_larger_than_a_statement_could_bind_numbers_every_row(any_db: Database) -> None:
    person_id = await add_person(any_db, "ana@example.com")  # 13 columns × 3,000 rows: above 32,767 values
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        await bulk.insert_numbered(DELIVERY, _DELIVERY_COLUMNS, [_delivery("k3", person_id)],
                                   conflict_on=("idempotency_key",))
        ids = await bulk.insert_numbered(DELIVERY, _DELIVERY_COLUMNS,
                                         [_delivery(f"k{n}", person_id) for n in range(3000)],
                                         conflict_on=("idempotency_key",))
    async with any_db.session() as session:
        stored = dict((await session.execute(select(Delivery.idempotency_key, Delivery.id))).all())
    assert ids == [stored.get(f"k{n}") if n != 3 else None for n in range(3000)]
    assert len(set(stored.values())) == 3000


async def test_each_row_is_updated_to_its_own_values_only_where_the_condition_holds(any_db: Database) -> None:
    person_id = await add_person(any_db, "ana@example.com")
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        ids = await bulk.insert_numbered(DELIVERY, _DELIVERY_COLUMNS,
                                         [_delivery(f"k{n}", person_id) for n in range(7)],
                                         conflict_on=("idempotency_key",))
        await bulk.rows(text("UPDATE delivery SET status = 'cancelled' WHERE id = :id"), {"id": ids[6]})
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        await bulk.update_values(
            DELIVERY, "id", ("ref", "n", "at"), [(id_, f"ref-{n}", n, utc(2026, 3, 3, n)) for n, id_ in enumerate(ids)],
            like={"ref": "message_ref", "n": "attempts", "at": "sent_at", "wanted": "status"},
            assign={"message_ref": "v.ref", "attempts": "v.n + delivery.attempts", "status": "'sent'", "sent_at": "v.at"},
            where="delivery.status = :wanted", parameters={"wanted": "pending"},
        )
    async with any_db.session() as session:
        rows = (await session.execute(select(Delivery.id, Delivery.message_ref, Delivery.attempts, Delivery.status,
                                             Delivery.sent_at).order_by(Delivery.id))).all()
    assert [tuple(row) for row in rows] == [
        *((id_, f"ref-{n}", n, "sent", utc(2026, 3, 3, n)) for n, id_ in enumerate(ids[:6])),
        (ids[6], None, 0, "cancelled", None)]


async def test_rows_read_at_once_are_the_rows_read_one_by_one(any_db: Database) -> None:
    person_id = await add_person(any_db, "ana@example.com")
    odd = 'Zoë "Zed" \\ O\'Brien ☃ \U0001F600'
    person = Person.__table__.c
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        await bulk.rows(text("UPDATE person SET name = :name, unreachable_reason = NULL WHERE id = :id"),
                        {"name": odd, "id": person_id})
        other = await add_person_in(bulk)
        everyone = select(person.id, person.name, person.unreachable_reason, person.active, person.created_at
                          ).order_by(person.id.desc())
        at_once = await bulk.rows_at_once(everyone)
        one_by_one = await bulk.rows(everyone)
        assert [tuple(row) for row in one_by_one] == [tuple(row) for row in at_once]
        assert [(row.id, row.name, row.unreachable_reason, row.active) for row in at_once] == [
            (other, "Bo", None, True), (person_id, odd, None, True)]
        assert await bulk.rows_at_once(select(person.id).where(person.id < 0)) == []


async def add_person_in(bulk: Bulk) -> int:
    (row,) = await bulk.rows(
        text("INSERT INTO person (email, name, timezone, country, is_admin, active, created_at)"
             " VALUES (:email, :name, 'UTC', 'DE', :admin, :active, :now) RETURNING id"
             ).bindparams(now=NOW).columns(id=Integer),
        {"email": "bo@example.com", "name": "Bo", "admin": False, "active": True})
    return row.id


_NUMBERS = Table("numbers", MetaData(), Column("n", Integer, primary_key=True), Column("x", Float))


async def test_real_numbers_read_at_once_come_back_exactly_infinities_included(any_db: Database) -> None:
    stored = [float("inf"), 1 / 3, 0.1 + 0.2, None, 123456789.12345679, float("-inf"), 20.0, 5e-324]
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        await bulk.rows(text("CREATE TEMPORARY TABLE numbers (n INTEGER PRIMARY KEY, x DOUBLE PRECISION)"))
        for n, value in enumerate(stored):
            await bulk.rows(text("INSERT INTO numbers (n, x) VALUES (:n, :x)"), {"n": n, "x": value})
        rows = await bulk.rows_at_once(select(_NUMBERS.c.n, _NUMBERS.c.x).order_by(_NUMBERS.c.n))
        await bulk.rows(text("DROP TABLE numbers"))
    assert [row.x for row in rows] == stored


async def _key_result(db: Database, owner_id: int, *, baseline: float, target: float, current: float | None) -> None:
    from storage.models import KeyResult, Objective, Outcome

    async with db.transaction() as session:
        outcome = Outcome(key="o", title="O", period="2026-Q1")
        session.add(outcome)
        await session.flush()
        objective = Objective(outcome_id=outcome.id, title="Objective", period="2026-Q1")
        session.add(objective)
        await session.flush()
        session.add(KeyResult(key="kr", objective_id=objective.id, title="KR", owner_id=owner_id, baseline=baseline,
                              target=target, current=current, direction="increase"))


async def test_a_prompt_shows_key_result_values_exactly_as_stored(any_db: Database) -> None:
    from cadences.people import load_key_results

    person_id = await add_person(any_db, "ana@example.com")
    await _key_result(any_db, person_id, baseline=1 / 3, target=0.1 + 0.2, current=None)
    async with any_db.session() as session:
        (key_result,) = (await load_key_results(session, [person_id]))[person_id]
    assert (key_result["baseline"], key_result["target"], key_result["current"]) == (1 / 3, 0.1 + 0.2, None)


async def test_a_key_result_with_an_unbounded_target_does_not_hold_its_owners_prompt_back(any_db: Database) -> None:
    from tests.cadence_fixtures import planner

    person_id = await add_person(any_db, "ana@example.com")
    await _key_result(any_db, person_id, baseline=0.0, target=float("inf"), current=2.0)
    plan = planner(any_db)
    await plan.tick(utc(2026, 3, 1, 12))
    assert (await plan.tick(NOW)).prompted == 1


async def test_a_failing_fan_out_statement_says_what_failed_without_the_words_it_carried(any_db: Database) -> None:
    person_id = await add_person(any_db, "ana@example.com")
    words = "my manager blocks every release"
    orphan = ("k-words", person_id + 1000, None, "console", "a", "checkin_prompt", {"note": words}, "pending", 0,
              NOW, None, NOW)  # no such person
    with pytest.raises(IntegrityError) as failed:
        async with any_db.transaction() as session:
            await (await Bulk.of(session)).insert_values(DELIVERY, _DELIVERY_COLUMNS, [orphan])
    assert "FOREIGN KEY" in str(failed.value).upper()
    assert words not in str(failed.value)  # what a log line or a traceback would show


def test_the_ticks_statements_on_sqlite_each_go_to_the_database_thread_in_one_call() -> None:
    from sqlalchemy.dialects import sqlite

    from storage import bulk
    from storage.repositories import outbox_rows, planning

    dialect = sqlite.dialect()
    claims = (planning._DUE_SCHEDULES, planning._CHECKINS_NEEDING_ACTION, outbox_rows._DUE_DELIVERIES)
    statements = [planning._NEWCOMERS, outbox_rows._RECLAIM, *(claim.update_ids for claim in claims if claim.sets),
                  *(bulk._at_once(claim.read, dialect)[0] for claim in claims)]
    assert all(claim.read_then_set for claim in claims)
    assert [bulk._for_sqlite(statement, dialect) is not None for statement in statements] == [True] * len(statements)
