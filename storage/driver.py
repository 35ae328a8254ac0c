"""A session's connection spoken to with plain SQL strings and plain tuples.

For the hot paths (a check-in submission is acked only after its commit; a fan-out writes
thousands of rows a batch), inside the session's own transaction. `Driver` runs SQL text
through SQLAlchemy's public `AsyncConnection.exec_driver_sql`, so SQLAlchemy's events
(statement counters, tracing), error wrapping (`IntegrityError`, …; parameters hidden when
the engine hides them) and connection handling all apply; rows come back as tuples.
`batch()` gives a `storage.batch.Batch` for a submission's Core / `text()` statements.

Statements are written with `?` placeholders (PostgreSQL gets `$1, $2, …`) and values are
passed the way the columns store them (`time`, `json`); `read_time`, `read_json` turn them
back. (An earlier version queued work on aiosqlite's private thread queue to save a few hops
per statement; docs/architecture.md, "Decisions", says what that cost and why it went.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import dumps_json, loads_json

if TYPE_CHECKING:
    from storage.batch import Batch

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
        from storage.batch import Batch  # its own module (storage/batch.py); it needs this class

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
