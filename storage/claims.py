"""Claiming due rows so that overlapping ticks and several processes never take the same one.

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, then an UPDATE of exactly those rows in the same
transaction — other transactions skip them instead of waiting. SQLite (≥ 3.35): one
`UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …`, which is atomic and, being the first
statement of the transaction, takes SQLite's single write lock at once — a second process
waits for it (busy_timeout) and then sees the rows already changed. A transaction of
Database.transaction() holds that lock from its BEGIN IMMEDIATE, so there a lock-only claim
(no `sets`) is a plain SELECT, read in one step (Bulk.rows_at_once).

A `Claim` is built once (its Core statements with it); `claim` runs it with its parameters.
Rows come back read by column name, their values decoded by the columns' types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Integer, Table, bindparam, select, update
from sqlalchemy.sql import ColumnElement

from storage.bulk import Bulk, one_of


class Claim:
    """Up to `:limit` rows of `table` matching `where` (Core, with named bind parameters),
    first by `order_by`; `sets` (column → bind parameter name) are applied to the claimed rows,
    and `returning` columns read back. Without `sets` the rows are only locked (the caller
    updates them later in the same transaction)."""

    def __init__(self, table: Table, *, where: ColumnElement, order_by: ColumnElement, returning: Sequence[str],
                 sets: Mapping[str, str] | None = None) -> None:
        self.sets = dict(sets or {})
        chosen = select(table.c.id).where(where).order_by(order_by).limit(bindparam("limit", type_=Integer))
        columns = [table.c[name] for name in returning]
        values = {column: bindparam(name, type_=table.c[column].type) for column, name in self.sets.items()}
        # PostgreSQL: lock, then read or update exactly those rows
        self.locking = chosen.with_for_update(skip_locked=True)
        self.read_chosen = select(*columns).where(one_of(table.c.id, "ids", postgres=True))
        self.update_chosen = (update(table).where(one_of(table.c.id, "ids", postgres=True))
                              .values(values).returning(*columns))
        # SQLite: the write lock is the claim
        self.read = select(*columns).where(table.c.id.in_(chosen.scalar_subquery()))
        self.update = (update(table).where(table.c.id.in_(chosen.scalar_subquery()))
                       .values(values or {table.c.id: table.c.id}).returning(*columns))  # a no-op write takes the lock
        # SQLite under BEGIN IMMEDIATE, when no column read back is one the claim sets: read the
        # rows in one step, then set them by id (an UPDATE … RETURNING steps once per row)
        self.read_then_set = not set(self.sets) & set(returning)
        self.update_ids = update(table).where(one_of(table.c.id, "ids", postgres=False)).values(values)


async def claim(bulk: Bulk, statement: Claim, parameters: Mapping[str, Any]) -> list:
    """Lock up to `parameters["limit"]` rows of `statement` for this transaction, apply its
    `sets` (values in `parameters`), return them read by column name."""
    if bulk.postgres:
        found = await bulk.connection.execute(statement.locking, dict(parameters))
        ids = list(found.scalars())
        if not ids:
            return []
        chosen = statement.update_chosen if statement.sets else statement.read_chosen
        return await bulk.rows(chosen, {**parameters, "ids": ids})
    if bulk.holds_sqlite_write_lock and (not statement.sets or statement.read_then_set):
        rows = await bulk.rows_at_once(statement.read, parameters)  # BEGIN IMMEDIATE took the lock
        if statement.sets and rows:
            await bulk.sqlite_rows(statement.update_ids, {**parameters, "ids": bulk.ids(row.id for row in rows)})
        return rows
    return await bulk.rows(statement.update, parameters)
