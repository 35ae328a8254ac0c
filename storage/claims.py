"""Claiming due rows so that overlapping ticks and several processes never take the same one.

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, then an UPDATE of exactly those rows in the same
transaction — other transactions skip them instead of waiting. SQLite (≥ 3.35): one
`UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …`, which is atomic and, being the first
statement of the transaction, takes SQLite's single write lock at once — a second process
waits for it (busy_timeout) and then sees the rows already changed. A transaction of
Database.transaction() holds that lock from its BEGIN IMMEDIATE, so there a lock-only claim
(`values=None`) is a plain SELECT.

Statements are driver-level (storage.bulk): `where` is SQL with `?` placeholders, values
are passed already stored (`bulk.time(now)`), and rows come back as the driver returns them
(on SQLite, datetimes as text and JSON unparsed — read them with `bulk.read_time/read_json`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table

from storage.bulk import Bulk


async def claim_rows(
    bulk: Bulk,
    table: Table,
    *,
    where: str,
    parameters: Sequence[Any] = (),
    order_by: str,
    limit: int,
    values: Mapping[str, Any] | None,
    returning: Sequence[str],
    tuples: bool = False,
) -> list:
    """Lock up to `limit` rows matching `where` for this transaction, apply `values`, return them
    (as Bulk.fetch returns them: Row objects, or with `tuples` plain sequences to unpack).

    `values=None` only locks (the caller updates the rows later in the same transaction).
    """
    name, columns = table.name, ", ".join(returning)
    chosen = f"SELECT id FROM {name} WHERE {where} ORDER BY {order_by} LIMIT ?"
    assignments = ", ".join(f"{column} = ?" for column in values or ())
    if bulk.postgres:
        ids = [row[0] for row in await bulk.fetch(chosen + " FOR UPDATE SKIP LOCKED", (*parameters, limit))]
        if not ids:
            return []
        matching, ids_parameter = bulk.ids_in("id", ids)
        if not values:
            return await bulk.fetch(f"SELECT {columns} FROM {name} WHERE {matching}", (ids_parameter,), tuples=tuples)
        return await bulk.fetch(
            f"UPDATE {name} SET {assignments} WHERE {matching} RETURNING {columns}", (*values.values(), ids_parameter),
            tuples=tuples,
        )
    if not values and bulk.holds_sqlite_write_lock:  # BEGIN IMMEDIATE took the lock: reading is enough
        text = f"SELECT {columns} FROM {name} WHERE id IN ({chosen})"
        if tuples:  # plain rows: read in one step (Driver.rows_at_once), as lists
            return await bulk.rows_at_once(returning, text, (*parameters, limit))
        return await bulk.fetch(text, (*parameters, limit))
    return await bulk.fetch(
        f"UPDATE {name} SET {assignments or 'id = id'} WHERE id IN ({chosen}) RETURNING {columns}",
        (*(values or {}).values(), *parameters, limit),  # a no-op write still takes the write lock
        tuples=tuples,
    )
