"""A session's connection for the hot paths, in the session's own transaction.

`Driver` holds the session's `AsyncConnection`; `rows` runs one statement (a Core construct,
or `text()` with named parameters: SQLAlchemy compiles each to the database's own placeholder
style) and returns its rows, read by column name. `batch()` gives a `storage.batch.Batch`
for a check-in submission's statements (see its docstring for SQLite). The fan-out's many-row
statements are in `storage.bulk`. (An earlier version queued work on aiosqlite's private
thread queue to save a few hops per statement; docs/architecture.md, "Decisions", says what that cost and why it went.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import text as sql_text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable
from sqlmodel.ext.asyncio.session import AsyncSession

if TYPE_CHECKING:
    from storage.batch import Batch


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
        from storage.batch import Batch  # its own module (storage/batch.py); it needs this class

        return Batch(self)
