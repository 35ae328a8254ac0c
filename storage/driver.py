"""A session's connection for the hot paths, in the session's own transaction.

`Driver` holds the session's `AsyncConnection`; `rows` runs one statement (a Core construct,
or `text()` with named parameters: SQLAlchemy compiles each to the database's own placeholder
style) and returns its rows, read by column name. `Batch` runs a check-in submission's
statements (see its docstring for SQLite). The fan-out's many-row statements are in
`storage.bulk`. (An earlier version queued work on aiosqlite's private thread queue to save a
few hops per statement; docs/architecture.md, "Decisions", says what that cost and why it went.)
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import text as sql_text
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable
from sqlmodel.ext.asyncio.session import AsyncSession


class Driver:
    """Run statements on `session`'s connection, in its transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.postgres = connection.dialect.name == "postgresql"

    @classmethod
    async def of(cls, session: AsyncSession) -> "Driver":
        return cls(await session.connection())

    async def rows(self, statement: Executable | str, parameters: Mapping[str, Any] | None = None) -> list[Row]:
        """Execute one statement (a plain string is read as `text()`: named parameters, `:name`);
        its rows (RETURNING included), read by column name, or [] when it returns none."""
        if isinstance(statement, str):
            statement = sql_text(statement)
        result = await self.connection.execute(statement, dict(parameters or {}))
        return list(result.all()) if result.returns_rows else []

    def batch(self) -> "Batch":
        return Batch(self)


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
