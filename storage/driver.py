"""A session's connection spoken to at the driver level: one round trip per statement.

For the few hot paths that run while a person waits for an answer (a check-in submission is
acked only after its commit, and on SQLite every write transaction holds the one writer lock).
Through SQLAlchemy, a statement on aiosqlite costs three or four hops to the driver's thread
(open a cursor, execute, fetch, close) plus the ORM's bookkeeping on the event loop; here it
is one call (`aiosqlite.Connection.execute_fetchall`) inside the session's own transaction.
On PostgreSQL the statement goes through `exec_driver_sql` (asyncpg answers in one round
trip anyway).

Statements are written with `?` placeholders (PostgreSQL gets `$1, $2, …`) and values are
passed the way the columns store them (`time`, `json`); rows come back as plain tuples
(`read_time`, `read_json` turn them back). On SQLite, errors are raised as SQLAlchemy raises
them (`IntegrityError`, …; parameters hidden when the engine hides them) and listeners of
SQLAlchemy's before/after_cursor_execute events (statement counters, tracing) still see each
statement, with no cursor or context.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import dumps_json, loads_json

UTC = timezone.utc


@lru_cache(maxsize=256)
def _numbered(text: str, first: int = 1) -> str:
    """`?` placeholders as PostgreSQL's `$first`, `$first+1`, …"""
    parts = text.split("?")
    return "".join(part + (f"${n}" if n < first + len(parts) - 1 else "") for n, part in enumerate(parts, start=first))


@lru_cache(maxsize=4096)  # a fan-out batch repeats a few instants (now, period ends) thousands of times
def _sqlite_time(value: datetime) -> str:
    if value.tzinfo is not UTC:
        if value.utcoffset() is None:
            raise ValueError("Datetime values must have timezone information.")
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


class Driver:
    """Run statements on `session`'s connection, in its transaction."""

    def __init__(self, connection: AsyncConnection, sqlite_connection: Any | None) -> None:
        self.connection = connection
        self._sqlite = sqlite_connection  # the aiosqlite connection, on SQLite
        self.postgres = connection.dialect.name == "postgresql"
        # Errors carry statements' parameters only if the engine shows them (storage.db hides them).
        self.hide_parameters = connection.sync_engine.hide_parameters

    @classmethod
    async def of(cls, session: AsyncSession) -> "Driver":
        connection = await session.connection()
        if connection.dialect.name != "sqlite":
            return cls(connection, None)
        raw = await connection.get_raw_connection()
        return cls(connection, raw.driver_connection)

    def sql(self, text: str) -> str:
        """`text` with the placeholders of this database (`?` → `$1, $2, …` on PostgreSQL)."""
        return _numbered(text) if self.postgres else text

    async def rows(self, text: str, parameters: Sequence[Any] = ()) -> list[tuple]:
        """Execute one statement; its rows (RETURNING included), or [] when it returns none."""
        if self._sqlite is not None:
            return await self._sqlite_rows(text, tuple(parameters))
        result = await self.connection.exec_driver_sql(_numbered(text), tuple(parameters))
        return [tuple(row) for row in result.all()] if result.returns_rows else []

    async def rows_at_once(
        self, columns: Sequence[str], text: str, parameters: Sequence[Any] = (), *, reals: Sequence[str] = (),
    ) -> list[list]:
        """The rows of a SELECT (`text`, whose result columns are named `columns`) as lists.

        On SQLite, SQLite builds them into one JSON value (`json_group_array`) that comes back
        in one step, instead of one step per row. The difference is the GIL: aiosqlite's thread
        gives it up for each step and must win it back from the event loop, which waits its turn
        while the loop is busy (a fan-out's sends); one step lets the query run meanwhile.
        Text, integers and NULL come back exactly. Name the columns holding real numbers in
        `reals`: they travel as 17-digit text and come back exactly, infinities included (SQLite's
        JSON has 15 digits and no infinity). BLOBs cannot be read this way. The rows come in the
        order SQLite produces them, which an aggregate does not promise: sort them if it matters.
        """
        if self._sqlite is None:
            return [list(row) for row in await self.rows(text, parameters)]
        values = ", ".join(
            f"iif({column} IS NULL, NULL, printf('%!.17g', {column}))" if column in reals else column
            for column in columns)
        wrapped = f"SELECT json_group_array(json_array({values})) FROM ({text})"
        ((value,),) = await self._sqlite_rows(wrapped, tuple(parameters))
        rows = loads_json(value)
        at = [n for n, column in enumerate(columns) if column in reals]
        if at and rows:
            for row in rows:
                for n in at:
                    if row[n] is not None:
                        row[n] = float(row[n])
        return rows

    async def many(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        """Execute one statement once per row of parameters (an executemany), returning nothing."""
        if not rows:
            return
        if self._sqlite is not None:
            await self._sqlite_call(self._sqlite.executemany, text, list(rows), many=True)
            return
        await self.connection.exec_driver_sql(_numbered(text), list(rows))

    def batch(self) -> "Batch":
        return Batch(self)

    async def _sqlite_rows(self, text: str, parameters: tuple) -> list[tuple]:
        return list(await self._sqlite_call(self._sqlite.execute_fetchall, text, parameters, many=False))

    async def _sqlite_batch(self, statements: list[tuple[str, tuple]]) -> list[list[tuple]]:
        """Run `statements` in one hop to aiosqlite's thread, stopping at the first failure."""
        if not statements:
            return []
        connection = self.connection.sync_connection
        dispatch = connection.dispatch if connection is not None else None
        if dispatch is not None:
            for text, parameters in statements:
                for listener in dispatch.before_cursor_execute:
                    listener(connection, None, text, parameters, None, False)
        # aiosqlite runs `_run_all` on its own thread, in order with the session's other calls
        # (`_execute` is how its public methods queue work there; `_conn` is the sqlite3
        # connection that thread owns).
        sqlite = self._sqlite
        results, failure = await sqlite._execute(_run_all, sqlite._conn, statements)
        if dispatch is not None:
            for text, parameters in statements[: len(results)]:
                for listener in dispatch.after_cursor_execute:
                    listener(connection, None, text, parameters, None, False)
        if failure is not None:
            text, parameters = statements[len(results)]
            if isinstance(failure, sqlite3.Error):
                raise DBAPIError.instance(text, parameters, failure, sqlite3.Error,
                                          hide_parameters=self.hide_parameters) from failure
            raise failure
        return results

    async def _sqlite_call(self, call, text: str, parameters: Any, *, many: bool) -> Any:
        connection = self.connection.sync_connection
        dispatch = connection.dispatch if connection is not None else None
        if dispatch is not None:
            for listener in dispatch.before_cursor_execute:
                listener(connection, None, text, parameters, None, many)
        try:
            result = await call(text, parameters)
        except sqlite3.Error as error:
            raise DBAPIError.instance(text, parameters, error, sqlite3.Error,
                                      hide_parameters=self.hide_parameters) from error
        if dispatch is not None:
            for listener in dispatch.after_cursor_execute:
                listener(connection, None, text, parameters, None, many)
        return result

    # -- values as the columns store them ---------------------------------------------------
    def time(self, value: datetime | None) -> Any:
        """An aware datetime as its column stores it (SQLite: naive UTC text; PostgreSQL: as is)."""
        if value is None:
            return None
        if self.postgres:
            if value.utcoffset() is None:
                raise ValueError("Datetime values must have timezone information.")
            return value
        return _sqlite_time(value)

    @staticmethod
    def read_time(value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)

    @staticmethod
    def json(value: Any) -> str:
        return dumps_json(value)

    @staticmethod
    def read_json(value: Any) -> Any:
        return loads_json(value) if isinstance(value, (str, bytes)) else value


def _run_all(connection: sqlite3.Connection, statements: list[tuple[str, tuple]]
             ) -> tuple[list[list[tuple]], Exception | None]:
    """On aiosqlite's thread: each statement's rows, up to the first failure (and it)."""
    results: list[list[tuple]] = []
    for text, parameters in statements:
        try:
            cursor = connection.execute(text, parameters)
            try:
                results.append(cursor.fetchall())
            finally:
                cursor.close()
        except Exception as error:  # noqa: BLE001 - handed back to the event loop and raised there
            return results, error
    return results, None


class Batch:
    """Statements that do not depend on each other's results, sent together.

    On SQLite they go to aiosqlite's thread in one call and run there back to back, in the
    order they were added: one wait for the event loop instead of one per statement, which
    is what a write transaction holding SQLite's one writer lock waits for most under load.
    On PostgreSQL they run one after the other. Either way the batch stops at the first
    failure, which is raised (no later statement is sent: on SQLite, a failure such as
    SQLITE_FULL or SQLITE_IOERR may have rolled the transaction back already, and a later
    statement would run outside it); the caller's transaction then rolls the rest back.

        batch = driver.batch()
        inserted = batch.add("INSERT … RETURNING id", (…,))
        batch.add("UPDATE …", (…,))
        await batch.run()
        ids = batch.rows(inserted)
    """

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self._statements: list[tuple[str, tuple]] = []
        self._results: list[list[tuple]] | None = None

    def add(self, text: str, parameters: Sequence[Any] = ()) -> int:
        """Queue a statement; its index, for `rows` after `run`."""
        if self._results is not None:
            raise RuntimeError("this batch has run already")
        self._statements.append((text, tuple(parameters)))
        return len(self._statements) - 1

    def __len__(self) -> int:
        return len(self._statements)

    async def run(self) -> None:
        driver = self.driver
        if driver._sqlite is None:
            self._results = [await driver.rows(text, parameters) for text, parameters in self._statements]
            return
        self._results = await driver._sqlite_batch(self._statements)

    def rows(self, index: int) -> list[tuple]:
        if self._results is None:
            raise RuntimeError("run the batch first")
        return self._results[index]
