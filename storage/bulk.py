"""Driver-level statements for the fan-out's hot path: plain tuples in, plain rows out.

SQLAlchemy's Core sends every parameter of every row through its type objects and builds a
statement context per call; at 100,000 prompts a tick that cost more than everything else
together. On the hot path (planner batches, reminders, the sender) rows go to the driver
as tuples instead, inside the session's own transaction, so "written in the same
transaction as the state change" still holds.

On SQLite the fan-out's statements are also shaped so that SQLite does each in one step
(`update_values`, Driver.rows_at_once): aiosqlite's thread gives the GIL
up around every step and must win it back from the event loop, so a statement that steps
once per row crawls while the loop renders and sends, and one that steps once runs beside it.

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

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, DateTime, Table

from storage.db import SQLITE_WRITE, dumps_json
from storage.driver import Driver, _numbered

# Both drivers accept 32,767 parameters per statement; multi-row VALUES stay below it.
MAX_PARAMETERS = 32_000
_V_COLUMN = re.compile(r"\bv\.(\w+)\b")


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


def _column_defaults(table: Table, columns: Iterable[str]) -> dict[str, Any]:
    """Python-side column defaults (scalars and callables like utcnow), as Core applies them."""
    defaults: dict[str, Any] = {}
    for name in columns:
        default = table.c[name].default
        if default is None:
            continue
        defaults[name] = default.arg(None) if default.is_callable else default.arg
    return defaults


class Bulk(Driver):
    """The session's connection, spoken to in its driver's own dialect (storage.driver.Driver:
    one hop to aiosqlite's thread per statement, values as the columns store them), plus what
    the fan-out needs on top: rows encoded from dicts, multi-row inserts, id lists."""

    @property
    def holds_sqlite_write_lock(self) -> bool:
        """A SQLite write transaction of Database.transaction(), begun with BEGIN IMMEDIATE."""
        return not self.postgres and bool(self.connection.sync_connection.get_execution_options().get(SQLITE_WRITE))

    def day(self, value: date) -> Any:
        return value if self.postgres else value.isoformat()

    @staticmethod
    def read_day(value: Any) -> date:
        return date.fromisoformat(value) if isinstance(value, str) else value

    def ids_in(self, column: str, ids: Iterable[int]) -> tuple[str, Any]:
        """A WHERE fragment matching `column` against many ids, and its one parameter."""
        if self.postgres:
            return f"{column} = ANY(?)", list(ids)
        return f"{column} IN (SELECT value FROM json_each(?))", dumps_json(list(ids))

    async def fetch(self, text: str, parameters: Sequence[Any] = (), *, tuples: bool = False) -> list:
        """The rows of a statement: Row objects (`row.name`), or with `tuples` plain tuples
        (`Driver.rows`), which hot paths that unpack rows use."""
        if tuples:
            return await self.rows(text, parameters)
        result = await self.connection.exec_driver_sql(self.sql(text), tuple(parameters))
        return list(result.all()) if result.returns_rows else []

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
            await self.many(head + one + tail, values)
            return []
        tail += f" RETURNING {', '.join(returning)}"
        per_statement = max(1, MAX_PARAMETERS // len(columns))
        inserted: list = []
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            text = head + ", ".join([one] * len(chunk)) + tail
            inserted += await self.fetch(text, [value for row in chunk for value in row], tuples=tuples)
        return inserted

    async def insert_numbered(
        self, table: Table, columns: tuple[str, ...], values: Sequence[tuple], *, conflict_on: Sequence[str],
    ) -> list[int | None]:
        """INSERT encoded rows (`encode`'s tuples) ON CONFLICT (conflict_on) DO NOTHING; the id the
        database gave each row, or None where a row with its key was there already.

        In a SQLite write transaction (Database.transaction(), which holds the one writer lock)
        the rows go as multi-row VALUES without RETURNING, and the ids SQLite gave them are read
        back in one step: every row above the highest id before the insert is one of them (no
        other writer can insert meanwhile). RETURNING would cost a step, and a turn of the GIL,
        per row (see Driver.rows_at_once). Elsewhere: RETURNING id and the key columns.
        """
        if not values:
            return []
        key_at = [columns.index(name) for name in conflict_on]
        if self.holds_sqlite_write_lock:
            ((before,),) = await self.rows(f"SELECT coalesce(max(id), 0) FROM {table.name}")
            head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
            tail = f" ON CONFLICT ({', '.join(conflict_on)}) DO NOTHING"
            one = "(" + ", ".join("?" * len(columns)) + ")"
            per_statement = max(1, MAX_PARAMETERS // len(columns))
            for start in range(0, len(values), per_statement):
                chunk = values[start : start + per_statement]
                await self.rows(head + ", ".join([one] * len(chunk)) + tail, [value for row in chunk for value in row])
            new_ids = [id_ for (id_,) in await self.rows_at_once(
                ("id",), f"SELECT id FROM {table.name} WHERE id > ? ORDER BY id", (before,))]
            if len(new_ids) == len(values):  # every row went in, in the order of its VALUES
                return sorted(new_ids)
            rows = await self.rows_at_once(("id", *conflict_on),
                                           f"SELECT id, {', '.join(conflict_on)} FROM {table.name} WHERE id > ?", (before,))
        else:
            rows = await self.insert_values(table, columns, values, conflict_on=conflict_on,
                                            returning=("id", *conflict_on), tuples=True)
        ids = {tuple(row[1:]): row[0] for row in rows}
        # a key given twice is inserted once: its first row gets the id
        return [ids.pop(tuple(row[n] for n in key_at), None) for row in values]

    async def update_values(
        self, table: str, key: str, columns: tuple[str, ...], values: Sequence[tuple], *,
        assign: Mapping[str, str] | None = None, where: str = "", parameters: Sequence[Any] = (),
    ) -> None:
        """UPDATE many rows, each to its own values: `values` are tuples of (`key`, *`columns`).

        `assign` is the SET clause as column → SQL expression over `v.<column>` and constants
        (default: each of `columns` set to its `v.<column>`; no `?` in it, and the table's own
        columns written `{table}.<column>`); `where` (with `parameters`, `?` placeholders) adds
        conditions on the table's own row, written `{table}.<column>` (not on `v`).

        On SQLite this is one `UPDATE … FROM (VALUES …)` per 32,000 parameters: the driver binds
        them all, then SQLite updates every row in one step without Python's lock, so the event
        loop runs on meanwhile (an executemany takes the lock back for every row, and waits for
        it while the loop is busy). On PostgreSQL it is an executemany, which asyncpg pipelines.
        """
        if not values:
            return
        assign = assign or {column: f"v.{column}" for column in columns}
        if self.postgres:  # v.<column> becomes the row's own parameter: $1 is the key, then `columns`
            number = {key: "$1"} | {column: f"${n}" for n, column in enumerate(columns, start=2)}
            sets = ", ".join(f"{column} = {_V_COLUMN.sub(lambda m: number[m[1]], expression)}"
                             for column, expression in assign.items())
            text = f"UPDATE {table} SET {sets} WHERE {table}.{key} = $1"
            if where:
                text += " AND " + _numbered(where, len(columns) + 2)
            await self.connection.exec_driver_sql(text, [(*row, *parameters) for row in values])
            return
        names = ", ".join(f"column{n} AS {column}" for n, column in enumerate((key, *columns), start=1))
        sets = ", ".join(f"{column} = {expression}" for column, expression in assign.items())
        one = "(" + ", ".join("?" * (len(columns) + 1)) + ")"
        per_statement = max(1, (MAX_PARAMETERS - len(parameters)) // (len(columns) + 1))
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            text = (f"UPDATE {table} SET {sets} FROM (SELECT {names} FROM (VALUES {', '.join([one] * len(chunk))})) AS v"
                    f" WHERE {table}.{key} = v.{key}" + (f" AND {where}" if where else ""))
            await self.rows(text, [*(value for row in chunk for value in row), *parameters])

