"""The fan-out's driver-level statements: inside the session's transaction, errors as SQLAlchemy
raises them, and a failed batch leaves nothing behind — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage.bulk import Bulk
from storage.db import Database
from storage.models import Delivery
from tests.cadence_fixtures import add_person, utc

NOW = utc(2026, 3, 2, 8)

async def test_a_batch_that_breaks_a_constraint_midway_writes_none_of_it(any_db_url: str) -> None:
    db = Database(any_db_url)
    try:
        person_id = await add_person(db, "ana@example.com")
        columns = ("idempotency_key", "person_id", "team_id", "platform", "address", "template", "context", "status",
                   "attempts", "next_attempt_at", "replaces_ref", "created_at")
        with pytest.raises(IntegrityError):
            async with db.transaction() as session:
                bulk = await Bulk.of(session)
                rows = [{"idempotency_key": f"k{n}", "person_id": person_id, "team_id": None, "platform": "console",
                         "address": "a", "template": "digest", "context": {"n": n}, "status": "pending",
                         "attempts": 0, "next_attempt_at": NOW, "replaces_ref": None, "created_at": NOW}
                        for n in range(3)]
                inserted = await bulk.insert(Delivery.__table__, rows, conflict_on=("idempotency_key",),
                                             returning=("idempotency_key", "id"), tuples=True)
                assert sorted(key for key, _ in inserted) == ["k0", "k1", "k2"]
                encoded = bulk.encode(Delivery.__table__, columns, [
                    {**rows[0], "idempotency_key": "k-orphan", "person_id": person_id + 1000}])  # no such person
                await bulk.many(
                    f"INSERT INTO delivery ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", encoded)
        async with db.session() as session:
            assert (await session.execute(select(func.count()).select_from(Delivery))).scalar() == 0
    finally:
        await db.dispose()

async def test_rows_read_as_tuples_match_the_rows_read_through_sqlalchemy(any_db_url: str) -> None:
    db = Database(any_db_url)
    try:
        person_id = await add_person(db, "ana@example.com")
        async with db.transaction() as session:
            bulk = await Bulk.of(session)
            text = "SELECT id, email, timezone FROM person WHERE id = ?"
            assert [tuple(row) for row in await bulk.fetch(text, (person_id,), tuples=True)] == [
                tuple(row) for row in await bulk.fetch(text, (person_id,))] == [
                (person_id, "ana@example.com", "Europe/Berlin")]
    finally:
        await db.dispose()


def _delivery(bulk: Bulk, key: str, person_id: int) -> tuple:
    return (key, person_id, None, "console", "a", "digest", bulk.json({"key": key}), "pending", 0, bulk.time(NOW),
            None, bulk.time(NOW))


_DELIVERY_COLUMNS = ("idempotency_key", "person_id", "team_id", "platform", "address", "template", "context",
                     "status", "attempts", "next_attempt_at", "replaces_ref", "created_at")


async def test_numbered_insert_gives_each_new_row_its_id_and_none_where_the_key_was_taken(any_db: Database) -> None:
    person_id = await add_person(any_db, "ana@example.com")
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        first = await bulk.insert_numbered(Delivery.__table__, _DELIVERY_COLUMNS,
                                           [_delivery(bulk, key, person_id) for key in ("a", "b")],
                                           conflict_on=("idempotency_key",))
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        second = await bulk.insert_numbered(Delivery.__table__, _DELIVERY_COLUMNS,
                                            [_delivery(bulk, key, person_id) for key in ("c", "a", "d", "b")],
                                            conflict_on=("idempotency_key",))
    async with any_db.session() as session:
        stored = dict((await session.execute(select(Delivery.idempotency_key, Delivery.id))).all())
    assert first == [stored["a"], stored["b"]]
    assert second == [stored["c"], None, stored["d"], None]
    assert len(stored) == 4


async def test_numbered_insert_in_several_statements_numbers_every_row(sqlite_url: str, monkeypatch) -> None:
    import storage.bulk

    monkeypatch.setattr(storage.bulk, "MAX_PARAMETERS", 40)  # 3 rows of 13 values per statement
    db = Database(sqlite_url)
    try:
        person_id = await add_person(db, "ana@example.com")
        async with db.transaction() as session:
            bulk = await Bulk.of(session)
            await bulk.insert_numbered(Delivery.__table__, _DELIVERY_COLUMNS, [_delivery(bulk, "k3", person_id)],
                                       conflict_on=("idempotency_key",))
            ids = await bulk.insert_numbered(Delivery.__table__, _DELIVERY_COLUMNS,
                                             [_delivery(bulk, f"k{n}", person_id) for n in range(8)],
                                             conflict_on=("idempotency_key",))
        async with db.session() as session:
            stored = dict((await session.execute(select(Delivery.idempotency_key, Delivery.id))).all())
        assert ids == [stored.get(f"k{n}") if n != 3 else None for n in range(8)]
        assert len(set(stored.values())) == 8
    finally:
        await db.dispose()


async def test_each_row_is_updated_to_its_own_values_only_where_the_condition_holds(
    any_db: Database, monkeypatch
) -> None:
    import storage.bulk

    monkeypatch.setattr(storage.bulk, "MAX_PARAMETERS", 10)  # several statements on SQLite
    person_id = await add_person(any_db, "ana@example.com")
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        ids = await bulk.insert_numbered(Delivery.__table__, _DELIVERY_COLUMNS,
                                         [_delivery(bulk, f"k{n}", person_id) for n in range(7)],
                                         conflict_on=("idempotency_key",))
        await bulk.fetch("UPDATE delivery SET status = 'cancelled' WHERE id = ?", (ids[6],))
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        await bulk.update_values(
            "delivery", "id", ("ref", "n"), [(id_, f"ref-{n}", n) for n, id_ in enumerate(ids)],
            assign={"message_ref": "v.ref", "attempts": "v.n + delivery.attempts", "status": "'sent'"},
            where="delivery.status = ?", parameters=("pending",),
        )
    async with any_db.session() as session:
        rows = (await session.execute(
            select(Delivery.id, Delivery.message_ref, Delivery.attempts, Delivery.status).order_by(Delivery.id))).all()
    assert [tuple(row) for row in rows] == [
        *((id_, f"ref-{n}", n, "sent") for n, id_ in enumerate(ids[:6])), (ids[6], None, 0, "cancelled")]


async def test_rows_read_at_once_are_the_rows_read_one_by_one(any_db: Database) -> None:
    person_id = await add_person(any_db, "ana@example.com")
    odd = 'Zoë "Zed" \\ O\'Brien ☃ \U0001F600'
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        await bulk.fetch("UPDATE person SET name = ?, slack_user_id = NULL WHERE id = ?", (odd, person_id))
        other = await add_person_in(bulk)
        text = "SELECT id, name, slack_user_id, active FROM person ORDER BY id DESC"
        at_once = await bulk.rows_at_once(("id", "name", "slack_user_id", "active"), text)
        one_by_one = await bulk.fetch(text, tuples=True)
        assert [list(row) for row in one_by_one] == at_once
        assert [row[:3] for row in at_once] == [[other, "Bo", None], [person_id, odd, None]]
        assert await bulk.rows_at_once(("id",), "SELECT id FROM person WHERE id < 0") == []
        numbers = ("SELECT CAST(12.5 AS DOUBLE PRECISION) AS a, CAST(0.1 AS DOUBLE PRECISION) AS b,"
                   " 123456789012345 AS c, -7 AS d, NULL AS e")
        assert await bulk.rows_at_once(("a", "b", "c", "d", "e"), numbers) == [[12.5, 0.1, 123456789012345, -7, None]]


async def add_person_in(bulk: Bulk) -> int:
    ((person_id,),) = await bulk.fetch(
        "INSERT INTO person (email, name, timezone, country, is_admin, active, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        ("bo@example.com", "Bo", "UTC", "DE", False, True, bulk.time(NOW)), tuples=True)
    return person_id


async def test_real_numbers_read_at_once_come_back_exactly_infinities_included(any_db: Database) -> None:
    stored = [float("inf"), 1 / 3, 0.1 + 0.2, None, 123456789.12345679, float("-inf"), 20.0, 5e-324]
    async with any_db.transaction() as session:
        bulk = await Bulk.of(session)
        await bulk.fetch("CREATE TEMPORARY TABLE numbers (n INTEGER PRIMARY KEY, x DOUBLE PRECISION)")
        for n, value in enumerate(stored):
            await bulk.fetch("INSERT INTO numbers (n, x) VALUES (?, ?)", (n, value))
        rows = await bulk.rows_at_once(("n", "x"), "SELECT n, x FROM numbers ORDER BY n", reals=("x",))
        await bulk.fetch("DROP TABLE numbers")
    assert [x for _, x in rows] == stored


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
