"""A session's connection spoken to with plain SQL strings and plain tuples.

For the hot paths (a check-in submission is acked only after its commit; a fan-out writes
thousands of rows a batch), inside the session's own transaction. `Driver` runs SQL text
through SQLAlchemy's public `AsyncConnection.exec_driver_sql`, so SQLAlchemy's events
(statement counters, tracing), error wrapping (`IntegrityError`, …; parameters hidden when
the engine hides them) and connection handling all apply; rows come back as tuples. `Batch`
runs a submission's Core / `text()` statements (see its docstring for SQLite).

Statements are written with `?` placeholders (PostgreSQL gets `$1, $2, …`) and values are
passed the way the columns store them (`time`, `json`); `read_time`, `read_json` turn them
back. (An earlier version queued work on aiosqlite's private thread queue to save a few hops
per statement; docs/architecture.md, "Decisions", says what that cost and why it went.)
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import dumps_json, loads_json
from storage.plain_sqlite import read_time, sqlite_time

UTC = timezone.utc


@lru_cache(maxsize=256)
def _numbered(text: str, first: int = 1) -> str:
    """`?` placeholders as PostgreSQL's `$first`, `$first+1`, …"""
    parts = text.split("?")
    return "".join(part + (f"${n}" if n < first + len(parts) - 1 else "") for n, part in enumerate(parts, start=first))


# A fan-out batch repeats a few instants (now, period ends) thousands of times.
_sqlite_time = lru_cache(maxsize=4096)(sqlite_time)


class Driver:
    """Run statements on `session`'s connection, in its transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"

    @classmethod
    async def of(cls, session: AsyncSession) -> "Driver":
        return cls(await session.connection())

    def sql(self, text: str) -> str:
        """`text` with the placeholders of this database (`?` → `$1, $2, …` on PostgreSQL)."""
        return _numbered(text) if self.postgres else text

    async def rows(self, text: str, parameters: Sequence[Any] = ()) -> list[tuple]:
        """Execute one statement; its rows (RETURNING included), or [] when it returns none."""
        result = await self.connection.exec_driver_sql(self.sql(text), tuple(parameters))
        return [tuple(row) for row in result.all()] if result.returns_rows else []

    async def rows_at_once(
        self, columns: Sequence[str], text: str, parameters: Sequence[Any] = (), *, reals: Sequence[str] = (),
    ) -> list[list]:
        """The rows of a SELECT (`text`, whose result columns are named `columns`) as lists.

        On SQLite, SQLite builds them into one JSON value (`json_group_array`) that comes back
        in one step, instead of one step per row. The difference is the GIL: the driver's thread
        gives it up for each step and must win it back from the event loop, which waits its turn
        while the loop is busy (a fan-out's sends); one step lets the query run meanwhile.
        Text, integers and NULL come back exactly. Name the columns holding real numbers in
        `reals`: they travel as 17-digit text and come back exactly, infinities included (SQLite's
        JSON has 15 digits and no infinity). BLOBs cannot be read this way. The rows come in the
        order SQLite produces them, which an aggregate does not promise: sort them if it matters.
        """
        if self.postgres:
            return [list(row) for row in await self.rows(text, parameters)]
        values = ", ".join(
            f"iif({column} IS NULL, NULL, printf('%!.17g', {column}))" if column in reals else column
            for column in columns)
        wrapped = f"SELECT json_group_array(json_array({values})) FROM ({text})"
        ((value,),) = await self.rows(wrapped, parameters)
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
        if rows:
            await self.connection.exec_driver_sql(self.sql(text), [tuple(row) for row in rows])

    def batch(self) -> "Batch":
        return Batch(self)

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

    read_time = staticmethod(read_time)

    @staticmethod
    def json(value: Any) -> str:
        return dumps_json(value)

    @staticmethod
    def read_json(value: Any) -> Any:
        return loads_json(value) if isinstance(value, (str, bytes)) else value


def _compiled_for_sqlite(statement: Executable, parameters: Mapping[str, Any], dialect: Any) -> tuple[str, list]:
    """The SQL of `statement` for SQLite and its positional values, each encoded by its type."""
    sql, names, required, encoders, _ = _compiled(statement, dialect)
    if required <= parameters.keys():
        values = [parameters[name] for name in names]
    else:  # values given in the statement itself
        named = statement.compile(dialect=dialect).construct_params(parameters)
        values = [named[name] for name in names]
    for n, encode in encoders:
        values[n] = encode(values[n])
    return sql, values


@lru_cache(maxsize=1024)  # statements are built once per shape (storage.repositories.checkins._sql)
def _compiled(statement: Executable, dialect: Any) -> tuple:
    """SQL, parameter names in order, their set, (position, encoder) pairs, and a row reader
    (for statements whose columns SQLAlchemy knows: named rows, each value decoded by its type)."""
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup)
    encoders = tuple((n, encode) for n, name in enumerate(names)
                     if (encode := compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None)
    return compiled.string, names, frozenset(names), encoders, _row_reader(statement, dialect)


def _row_reader(statement: Executable, dialect: Any) -> Callable[[tuple], tuple] | None:
    columns = getattr(statement, "selected_columns", None)
    if columns is None:
        return None
    row_type = namedtuple("Row", columns.keys(), rename=True)  # type: ignore[misc]
    decoders = tuple((n, decode) for n, column in enumerate(columns)
                     if (decode := column.type.dialect_impl(dialect).result_processor(dialect, None)) is not None)

    def read(row: tuple) -> tuple:
        if decoders:
            row = list(row)
            for n, decode in decoders:
                row[n] = decode(row[n])
        return row_type(*row)

    return read


class Batch:
    """Statements that do not depend on each other's results, queued and then run in order.

    They run one after the other on the session's connection, in the order they were added,
    and the batch stops at the first failure, which is raised (no later statement is sent:
    on SQLite, a failure such as SQLITE_FULL or SQLITE_IOERR may have rolled the transaction
    back already, and a later statement would run outside it); the caller's transaction then
    rolls the rest back. Statements are SQLAlchemy Core constructs or `text()` with named
    parameters (without expanding `IN` lists: name each value); rows of a Core select (or
    `text().columns()`) are read by column name on both databases, other rows as tuples in
    the statement's column order on SQLite.
    On SQLite they bypass SQLAlchemy's cursor (and so its cursor events): see `run`.

        batch = driver.batch()
        inserted = batch.add(text("INSERT … RETURNING id"), {…})
        batch.add(update(…))
        await batch.run()
        ids = batch.rows(inserted)
    """

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self._statements: list[tuple[Executable, Mapping[str, Any]]] = []
        self._results: list[list[Row]] | None = None

    def add(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> int:
        """Queue a statement; its index, for `rows` after `run`."""
        if self._results is not None:
            raise RuntimeError("this batch has run already")
        self._statements.append((statement, parameters or {}))
        return len(self._statements) - 1

    def __len__(self) -> int:
        return len(self._statements)

    async def run(self) -> None:
        connection, results = self.driver.connection, []
        if self.driver.postgres:  # asyncpg answers each statement in one round trip
            for statement, parameters in self._statements:
                result = await connection.execute(statement, parameters)
                results.append(list(result.all()) if result.returns_rows else [])
            self._results = results
            return
        # SQLite: each statement is one call to aiosqlite's thread (its public execute_fetchall)
        # instead of the four SQLAlchemy's cursor makes (open, execute, fetch, close). While a
        # check-in is stored its transaction holds SQLite's one writer lock, and under load each
        # call waits for a turn of the event loop: the Slack ingress benchmark did 73 submissions
        # and commands a second the four-call way, 112 in one hop (README, "Code health").
        # SQLAlchemy still compiles each statement and encodes each value with its type.
        sqlite = (await connection.get_raw_connection()).driver_connection
        dialect, hide = connection.dialect, connection.sync_engine.hide_parameters
        for statement, parameters in self._statements:
            text, values = _compiled_for_sqlite(statement, parameters, dialect)
            try:
                rows = await sqlite.execute_fetchall(text, values)
            except sqlite3.Error as error:
                raise DBAPIError.instance(text, values, error, sqlite3.Error, hide_parameters=hide) from error
            read = _compiled(statement, dialect)[4]
            results.append([read(row) for row in rows] if read is not None else list(rows))
        self._results = results

    def rows(self, index: int) -> list[Row]:
        if self._results is None:
            raise RuntimeError("run the batch first")
        return self._results[index]
