"""Claiming due rows so that overlapping ticks and several processes never take the same one.

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, then an UPDATE of exactly those rows in the same
transaction — other transactions skip them instead of waiting. SQLite (≥ 3.35): one
`UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …`, which is atomic and, being the first
statement of the transaction, takes SQLite's single write lock at once — a second process
waits for it (busy_timeout) and then sees the rows already changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, select, update
from sqlmodel.ext.asyncio.session import AsyncSession


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def claim_rows(
    session: AsyncSession,
    table: Table,
    *,
    where: ColumnElement[bool],
    order_by: ColumnElement[Any],
    limit: int,
    values: Mapping[str, Any] | None,
    returning: Sequence[Any],
) -> list[Row]:
    """Lock up to `limit` rows matching `where` for this transaction, apply `values`, return them.

    `values=None` only locks (the caller updates the rows later in the same transaction).
    """
    id_column = table.c.id
    if dialect_of(session) == "postgresql":
        chosen = select(id_column).where(where).order_by(order_by).limit(limit).with_for_update(skip_locked=True)
        ids = list((await session.execute(chosen)).scalars())
        if not ids:
            return []
        if not values:
            return list((await session.execute(select(*returning).where(id_column.in_(ids)))).all())
        statement = update(table).where(id_column.in_(ids)).values(**values).returning(*returning)
        return list((await session.execute(statement)).all())
    chosen = select(id_column).where(where).order_by(order_by).limit(limit)
    statement = (
        update(table)
        .where(id_column.in_(chosen))
        .values(**(values or {"id": id_column}))  # a no-op write still takes the write lock
        .returning(*returning)
    )
    return list((await session.execute(statement)).all())


def insert_ignoring_conflicts(session: AsyncSession, table: Table, *, on: Sequence[str]):
    """INSERT … ON CONFLICT (on) DO NOTHING for this session's dialect."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    builder = pg_insert if dialect_of(session) == "postgresql" else sqlite_insert
    return builder(table).on_conflict_do_nothing(index_elements=list(on))
