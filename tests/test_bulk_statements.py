"""The fan-out's driver-level statements: inside the session's transaction, errors as SQLAlchemy
raises them, and a failed batch leaves nothing behind — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cadences.bulk import Bulk
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
