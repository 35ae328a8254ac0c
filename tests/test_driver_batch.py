"""Statements sent together (`storage.batch.Batch`) stop at the first failure: when SQLite
itself has rolled the transaction back (a full disk, an I/O error, a constraint resolved by
ROLLBACK), nothing queued behind the failure may run outside it and stay committed."""

from __future__ import annotations


import pytest
from sqlalchemy import bindparam, event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage.batch import Batch
from storage.db import Database
from storage.driver import Driver
from storage.models import ProcessedEvent, utcnow

INSERT = "INSERT INTO processed_event (source, event_key, received_at) VALUES (:source, :key, :at)"


def inserting(sql: str = INSERT):
    return text(sql).bindparams(bindparam("at", type_=ProcessedEvent.__table__.c.received_at.type))


async def test_statements_after_one_that_made_sqlite_roll_back_leave_nothing_committed(db: Database) -> None:
    async with db.transaction() as s:
        s.add(ProcessedEvent(source="test", event_key="taken"))
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            batch = (await Driver.of(s)).batch()
            now = utcnow()
            batch.add(inserting(), {"source": "test", "key": "first", "at": now})
            # The conflict is resolved by SQLite rolling the whole transaction back, as it
            # does by itself on SQLITE_FULL or SQLITE_IOERR.
            batch.add(inserting(INSERT.replace("INSERT", "INSERT OR ROLLBACK")), {"source": "test", "key": "taken", "at": now})
            batch.add(inserting(), {"source": "test", "key": "third", "at": now})
            await batch.run()
    async with db.session() as s:
        assert sorted(e.event_key for e in (await s.exec(select(ProcessedEvent))).all()) == ["taken"]


async def test_a_batch_stops_at_its_first_failure_on_any_database(any_db: Database) -> None:
    async with any_db.transaction() as s:
        s.add(ProcessedEvent(source="test", event_key="taken"))
    executed: list = []

    def after(conn, cursor, statement, parameters, context, many) -> None:
        if statement.startswith("INSERT INTO processed_event"):
            executed.append(tuple(parameters)[1])

    def traced(statement: str) -> None:  # what SQLite itself runs (the batch calls aiosqlite directly)
        if statement.startswith("INSERT INTO processed_event"):
            executed.append(next(key for key in ("first", "taken", "third") if f"'{key}'" in statement))

    def trace(dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.run_async(lambda connection: connection.set_trace_callback(traced))

    event.listen(any_db.engine.sync_engine, "after_cursor_execute", after)
    if any_db.is_sqlite:
        event.listen(any_db.engine.sync_engine.pool, "checkout", trace)
    with pytest.raises(IntegrityError):
        async with any_db.transaction() as s:
            batch = (await Driver.of(s)).batch()
            now = utcnow()
            for key in ("first", "taken", "third"):
                batch.add(inserting(), {"source": "test", "key": key, "at": now})
            await batch.run()
    # SQLite's trace shows the failing statement too; "third" was never sent on either
    assert executed == (["first", "taken"] if any_db.is_sqlite else ["first"])
    async with any_db.session() as s:
        assert sorted(e.event_key for e in (await s.exec(select(ProcessedEvent))).all()) == ["taken"]


async def test_statements_on_the_writer_thread_after_a_failure_leave_nothing_committed(db: Database) -> None:
    """A check-in submission's transaction on SQLite (`Database.write_on_thread`): the same
    rule, and the work's own exception rolls back what it wrote."""
    async with db.transaction() as s:
        s.add(ProcessedEvent(source="test", event_key="taken"))
    now = utcnow()

    def failing(connection) -> None:
        batch = Batch()
        batch.add(inserting(), {"source": "test", "key": "first", "at": now})
        batch.add(inserting(INSERT.replace("INSERT", "INSERT OR ROLLBACK")), {"source": "test", "key": "taken", "at": now})
        batch.add(inserting(), {"source": "test", "key": "third", "at": now})
        batch.run_on(connection)

    class Refused(Exception):
        pass

    def refusing(connection) -> None:
        batch = Batch()
        batch.add(inserting(), {"source": "test", "key": "written then refused", "at": now})
        batch.run_on(connection)
        raise Refused

    with pytest.raises(IntegrityError):
        await db.write_on_thread(failing)
    with pytest.raises(Refused):
        await db.write_on_thread(refusing)
    kept = Batch()
    kept.add(inserting(), {"source": "test", "key": "kept", "at": now})
    await db.write_on_thread(kept.run_on)
    async with db.session() as s:
        assert sorted(e.event_key for e in (await s.exec(select(ProcessedEvent))).all()) == ["kept", "taken"]
