"""Driver-level statements for the fan-out's hot path: plain tuples in, plain rows out.

SQLAlchemy's Core sends every parameter of every row through its type objects and builds a
statement context per call; at 100,000 prompts a tick that cost more than everything else
together. On the hot path (planner batches, reminders, the sender) rows go to the driver
as tuples instead — one statement, `executemany` — inside the session's own transaction, so
"written in the same transaction as the state change" still holds.

Values are stored exactly as the SQLModel columns store them, so Core and ORM code read
them back unchanged:
* aware datetimes → SQLite: naive UTC text `2026-03-02 08:00:00.000000`; PostgreSQL: the
  aware value (timestamptz). A naive datetime is refused, as UTCDateTime does.
* dates → ISO text on SQLite, `date` on PostgreSQL.
* JSON → compact JSON text (storage.db.dumps_json; the asyncpg codec takes text too), read
  back parsed.
* a list of ids → SQLite `IN (SELECT value FROM json_each(?))`, PostgreSQL `= ANY($n)`:
  one parameter however many ids.
Statements are written with `?` placeholders; PostgreSQL gets `$1, $2, …`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, DateTime, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import SQLITE_WRITE, dumps_json, loads_json

UTC = timezone.utc
# Both drivers accept 32,767 parameters per statement; multi-row VALUES stay below it.
MAX_PARAMETERS = 32_000


@lru_cache(maxsize=256)
def _numbered(text: str) -> str:
    parts = text.split("?")
    return "".join(part + (f"${n}" if n < len(parts) else "") for n, part in enumerate(parts, start=1))


@lru_cache(maxsize=64)
def _value_kinds(table: Table, columns: tuple[str, ...]) -> tuple[str, ...]:
    kinds = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, JSON):
            kinds.append("json")
        elif isinstance(getattr(column_type, "impl_instance", column_type), DateTime):
            kinds.append("time")
        else:
            kinds.append("plain")
    return tuple(kinds)


@lru_cache(maxsize=4096)  # a batch repeats a few instants (now, period ends) thousands of times
def _sqlite_time(value: datetime) -> str:
    if value.tzinfo is not UTC:
        if value.utcoffset() is None:
            raise ValueError("Datetime values must have timezone information.")
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _column_defaults(table: Table, columns: Iterable[str]) -> dict[str, Any]:
    """Python-side column defaults (scalars and callables like utcnow), as Core applies them."""
    defaults: dict[str, Any] = {}
    for name in columns:
        default = table.c[name].default
        if default is None:
            continue
        defaults[name] = default.arg(None) if default.is_callable else default.arg
    return defaults


class Bulk:
    """The session's connection, spoken to in its driver's own dialect."""

    def __init__(self, connection: AsyncConnection, sqlite: Any = None) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self._sqlite = sqlite  # the aiosqlite connection under `connection`, when on SQLite

    @classmethod
    async def of(cls, session: AsyncSession) -> "Bulk":
        connection = await session.connection()
        if connection.dialect.name != "sqlite":
            return cls(connection)
        return cls(connection, (await connection.get_raw_connection()).driver_connection)

    @property
    def holds_sqlite_write_lock(self) -> bool:
        """A SQLite write transaction of Database.transaction(), begun with BEGIN IMMEDIATE."""
        return not self.postgres and bool(self.connection.sync_connection.get_execution_options().get(SQLITE_WRITE))

    def sql(self, text: str) -> str:
        return _numbered(text) if self.postgres else text

    def time(self, value: datetime | None) -> Any:
        if value is None:
            return None
        if self.postgres:
            if value.utcoffset() is None:
                raise ValueError("Datetime values must have timezone information.")
            return value
        return _sqlite_time(value)

    def read_time(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)

    def day(self, value: date) -> Any:
        return value if self.postgres else value.isoformat()

    @staticmethod
    def read_day(value: Any) -> date:
        return date.fromisoformat(value) if isinstance(value, str) else value

    @staticmethod
    def json(value: Any) -> str:
        return dumps_json(value)

    @staticmethod
    def read_json(value: Any) -> Any:
        return loads_json(value) if isinstance(value, (str, bytes)) else value

    def ids_in(self, column: str, ids: Iterable[int]) -> tuple[str, Any]:
        """A WHERE fragment matching `column` against many ids, and its one parameter."""
        if self.postgres:
            return f"{column} = ANY(?)", list(ids)
        return f"{column} IN (SELECT value FROM json_each(?))", dumps_json(list(ids))

    async def fetch(self, text: str, parameters: Sequence[Any] = (), *, tuples: bool = False) -> list:
        """The rows of a statement; with `tuples`, as the driver returns them (plain tuples on
        SQLite, Records on asyncpg) instead of Row objects — hot paths that unpack rows save
        the Row per row."""
        if tuples and self._sqlite is not None:
            return await self._sqlite_call(self._sqlite.execute_fetchall, text, tuple(parameters))
        result = await self.connection.exec_driver_sql(self.sql(text), tuple(parameters))
        if not result.returns_rows:
            return []
        if not tuples:
            return list(result.all())
        rows = result.cursor.fetchall()  # the adapter fetched them with the statement
        result.close()
        return list(rows)

    async def execute_many(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self._sqlite is not None:
            await self._sqlite_call(self._sqlite.executemany, text, list(rows))
        else:
            await self.connection.exec_driver_sql(self.sql(text), list(rows))

    async def _sqlite_call(self, call, text: str, parameters: Any) -> Any:
        """One statement on the session's own SQLite connection, inside its transaction, in one
        hop to aiosqlite's thread (through SQLAlchemy's cursor it takes four: cursor, execute,
        fetch, close). Errors are raised as SQLAlchemy raises them (IntegrityError, …), and
        listeners of SQLAlchemy's before/after_cursor_execute events (statement counters,
        tracing) still see the statement, with no cursor or execution context."""
        connection = self.connection.sync_connection
        observed = connection._has_events or connection.engine._has_events
        many = call == self._sqlite.executemany
        if observed:
            for listener in connection.dispatch.before_cursor_execute:
                listener(connection, None, text, parameters, None, many)
        try:
            result = await call(text, parameters)
        except sqlite3.Error as error:
            raise DBAPIError.instance(text, parameters, error, sqlite3.Error) from error
        if observed:
            for listener in connection.dispatch.after_cursor_execute:
                listener(connection, None, text, parameters, None, many)
        return result

    def encode(self, table: Table, columns: tuple[str, ...], rows: Iterable[Mapping[str, Any]]) -> list[tuple]:
        """Rows as tuples in `columns` order, each value stored the way its column stores it."""
        kinds = _value_kinds(table, columns)
        pick = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
        encoders = [(n, self.time if kind == "time" else self.json) for n, kind in enumerate(kinds) if kind != "plain"]
        if not encoders:
            return [pick(row) for row in rows]
        encoded = []
        for row in rows:
            values = list(pick(row))
            for n, encode in encoders:
                values[n] = encode(values[n])
            encoded.append(tuple(values))
        return encoded

    async def insert(
        self, table: Table, rows: Sequence[Mapping[str, Any]], *, conflict_on: Sequence[str] = (),
        returning: Sequence[str] = (), tuples: bool = False,
    ) -> list:
        """INSERT rows (ON CONFLICT (conflict_on) DO NOTHING when given); RETURNING inserted rows
        (as `fetch` returns them).

        Columns missing from a row get their column default, as a Core insert would.
        """
        if not rows:
            return []
        first = rows[0].keys()
        if all(row.keys() == first for row in rows):
            columns = tuple(first)
        else:  # rows of different shapes: a column a row lacks is its default, else NULL
            columns = tuple(dict.fromkeys(name for row in rows for name in row))
            fill = dict.fromkeys(columns) | _column_defaults(table, columns)
            rows = [{**fill, **row} for row in rows]
        defaults = _column_defaults(table, (c.name for c in table.c if c.name not in columns and c.name != "id"))
        if defaults:
            columns += tuple(defaults)
            rows = [{**row, **defaults} for row in rows]
        return await self.insert_values(table, columns, self.encode(table, columns, rows), conflict_on=conflict_on,
                                        returning=returning, tuples=tuples)

    async def insert_values(
        self, table: Table, columns: tuple[str, ...], values: Sequence[tuple], *, conflict_on: Sequence[str] = (),
        returning: Sequence[str] = (), tuples: bool = False,
    ) -> list:
        """`insert` for rows already encoded (`encode`'s tuples): the fan-out builds them directly."""
        if not values:
            return []
        head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
        tail = f" ON CONFLICT ({', '.join(conflict_on)}) DO NOTHING" if conflict_on else ""
        one = "(" + ", ".join("?" * len(columns)) + ")"
        if not returning:
            await self.execute_many(head + one + tail, values)
            return []
        tail += f" RETURNING {', '.join(returning)}"
        per_statement = max(1, MAX_PARAMETERS // len(columns))
        inserted: list = []
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            text = head + ", ".join([one] * len(chunk)) + tail
            inserted += await self.fetch(text, [value for row in chunk for value in row], tuples=tuples)
        return inserted
