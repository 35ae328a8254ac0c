"""The fan-out's many-row statements, in the session's own transaction.

Planner batches, reminders and the sender write and read thousands of rows a batch. Their
statements are SQLAlchemy Core constructs or `text()` with named parameters (`:rows`);
SQLAlchemy compiles each to the database's own placeholder style and encodes values by their
columns' types, and errors are wrapped as SQLAlchemy wraps them (parameters hidden when the
engine hides them). Rows are read by column name. On PostgreSQL they run through
`AsyncConnection.execute`; on SQLite each runs as one call to aiosqlite's thread
(`Bulk.sqlite_rows`, aiosqlite's public `execute_fetchall` on the session's own connection)
instead of the four a cursor makes.

Shapes (docs/architecture.md, "Decisions", has the measurements):
* On SQLite a batch of rows travels as ONE parameter, a JSON array of rows (each value first
  encoded by its column's type, as SQLAlchemy stores it), unpacked by SQLite with `json_each`:
  `INSERT … SELECT … FROM json_each(:rows)` and `UPDATE … FROM (SELECT … FROM json_each(:rows))`.
  A statement with one parameter costs SQLAlchemy the same whatever the batch size (a named
  parameter per value cost it about 20 µs a row), and SQLite does the whole statement in one
  step: aiosqlite's thread gives the GIL up around every step and must win it back from the
  event loop, so a statement that steps once per row (an executemany, RETURNING, a many-row
  SELECT) crawls while the loop renders and sends. Reads come back the same way, as one JSON
  value (`rows_at_once`), decoded by the columns' types.
* On PostgreSQL inserts are Core `insert()` … `ON CONFLICT DO NOTHING` executemany (SQLAlchemy's
  insertmanyvalues, RETURNING where asked) and updates a `text()` executemany, which asyncpg
  pipelines.
* A list of ids is one parameter: SQLite `IN (SELECT value FROM json_each(:ids))`, PostgreSQL
  `= ANY(:ids)` (`one_of`).
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import (
    ARRAY, Date, DateTime, Float, Integer, Numeric, Table, any_, bindparam, case, func, select, text,
)
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ColumnElement, Executable, Select
from sqlalchemy.types import TypeEngine

from storage.db import SQLITE_WRITE, dumps_json, loads_json
from storage.driver import Driver


# -- id lists as one parameter --------------------------------------------------------------

def one_of(column: ColumnElement, name: str, *, postgres: bool) -> ColumnElement:
    """`column` is one of the ids bound to `name` (give the value with `Bulk.ids`)."""
    if postgres:
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    listed = func.json_each(bindparam(name)).table_valued("value")
    return column.in_(select(listed.c.value))


# -- encoding and decoding by the columns' types --------------------------------------------

def _is_instant(column_type: TypeEngine) -> bool:
    return isinstance(getattr(column_type, "impl_instance", column_type), (DateTime, Date))


@lru_cache(maxsize=128)
def _encoders(types: tuple[TypeEngine, ...], dialect: Any) -> tuple[tuple[int, Callable[[Any], Any], bool], ...]:
    """(position, the type's bind processor, whether to encode each distinct value once)."""
    encoders = []
    for n, column_type in enumerate(types):
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            encoders.append((n, process, _is_instant(column_type)))
    return tuple(encoders)


def _encode(rows: Iterable[Sequence[Any]], types: tuple[TypeEngine, ...], dialect: Any) -> list[Sequence[Any]]:
    """Rows with each value as its column stores it (SQLAlchemy's own bind processors). A batch
    repeats a few instants (now, period ends) thousands of times: each is encoded once. Encoded
    a column at a time: the per-value work is then one call, with no per-row bookkeeping."""
    encoders = _encoders(types, dialect)
    if not encoders:
        return list(rows)
    columns = [list(column) for column in zip(*rows)]
    if not columns:
        return []
    for n, process, once in encoders:
        values = columns[n]
        if once:
            memo = {value: process(value) for value in set(values) if value is not None}
            memo[None] = None
            columns[n] = [memo[value] for value in values]
        else:
            columns[n] = [None if value is None else process(value) for value in values]
    return list(zip(*columns))


@lru_cache(maxsize=256)
def _for_sqlite(statement: Executable, dialect: Any) -> tuple[Any, str, tuple[tuple[str, Callable | None], ...]] | None:
    """`statement` compiled once for SQLite: (the compiled form, its SQL, each positional
    parameter's name and bind processor), or None when SQLAlchemy must finish it at execution."""
    compiled = statement.compile(dialect=dialect)
    if "POSTCOMPILE" in compiled.string or compiled.insert_prefetch or compiled.update_prefetch:
        return None  # SQLAlchemy fills these in at execution (expanded lists, Python-side defaults)
    order = tuple((name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                  for name in compiled.positiontup or ())
    return compiled, compiled.string, order


@lru_cache(maxsize=256)
def _at_once(statement: Select, dialect: Any) -> tuple[Select, Callable[[list], list[tuple]]]:
    """`statement` folded into one JSON value by SQLite, and a reader turning its rows into
    named tuples (values decoded by the columns' types; real numbers travel as 17-digit
    text, since SQLite's JSON keeps 15 digits and no infinity)."""
    inner = statement.subquery()
    columns = list(inner.c)
    values = []
    reals = []
    decoders = []
    for n, column in enumerate(columns):
        if isinstance(column.type, (Float, Numeric)):
            reals.append(n)
            values.append(case((column.is_(None), None), else_=func.printf("%!.17g", column)))
        else:
            values.append(column)
        decode = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if decode is not None:
            decoders.append((n, decode))
    folded = select(func.json_group_array(func.json_array(*values))).select_from(inner)
    row_type = namedtuple("Row", [column.key for column in columns], rename=True)  # type: ignore[misc]
    make = partial(tuple.__new__, row_type)  # what `_make` does, without a Python call per row

    def read(rows: list[list]) -> list[tuple]:
        if not rows or not reals and not decoders:  # ids, counts, text: each row as SQLite's JSON gave it
            return list(map(make, rows))
        values = list(zip(*rows))  # a column at a time: one call per value, no per-row loop
        for n in reals:
            values[n] = [None if value is None else float(value) for value in values[n]]
        for n, decode in decoders:
            values[n] = list(map(decode, values[n]))
        return list(map(make, zip(*values)))

    return folded, read


@lru_cache(maxsize=64)
def _column_defaults(table: Table, columns: tuple[str, ...]) -> tuple[tuple[str, Any], ...]:
    """Python-side column defaults: scalars, and callables (like utcnow) to call per statement."""
    defaults = []
    for name in columns:
        default = table.c[name].default
        if default is not None:
            defaults.append((name, default))
    return tuple(defaults)


def _default_values(table: Table, columns: tuple[str, ...]) -> dict[str, Any]:
    return {name: default.arg(None) if default.is_callable else default.arg
            for name, default in _column_defaults(table, columns)}


# -- statements, built once per shape -------------------------------------------------------

@lru_cache(maxsize=64)
def _sqlite_insert(table: Table, columns: tuple[str, ...], constants: tuple[str, ...], conflict_on: tuple[str, ...],
                   returning: tuple[str, ...]) -> Any:
    """Rows from one JSON parameter (`:rows`, arrays in `columns` order); `constants` are the
    same for every row and bound once each, as `:c_<column>` typed like their column (SQLite
    parses a row's JSON once per value taken from it: fewer, shorter rows cost less)."""
    picked = [f"json_extract(value, '$[{n}]')" for n in range(len(columns))] + [f":c_{name}" for name in constants]
    sql = (f"INSERT INTO {table.name} ({', '.join((*columns, *constants))}) SELECT {', '.join(picked)}"
           " FROM json_each(:rows) WHERE true"
           + (f" ON CONFLICT ({', '.join(conflict_on)}) DO NOTHING" if conflict_on else "")
           + (f" RETURNING {', '.join(returning)}" if returning else ""))
    statement = text(sql).bindparams(*(bindparam(f"c_{name}", type_=table.c[name].type) for name in constants))
    if returning:  # RETURNING read by name and decoded by the columns' types
        statement = statement.columns(*(table.c[name] for name in returning))
    return statement


@lru_cache(maxsize=64)
def _postgres_insert(table: Table, conflict_on: tuple[str, ...], returning: tuple[str, ...]) -> Any:
    statement = postgres_insert(table)
    if conflict_on:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflict_on))
    if returning:
        statement = statement.returning(*(table.c[name] for name in returning))
    return statement


@lru_cache(maxsize=64)
def _highest_id(table: Table) -> Select:
    return select(func.coalesce(func.max(table.c.id), 0))


@lru_cache(maxsize=64)
def _rows_after(table: Table, columns: tuple[str, ...]) -> Select:
    return select(*(table.c[name] for name in columns)).where(table.c.id > bindparam("after")).order_by(table.c.id)


@lru_cache(maxsize=64)
def _update(table: Table, key: str, columns: tuple[str, ...], types: tuple[TypeEngine, ...],
            assign: tuple[tuple[str, str], ...], where: str, where_types: tuple[tuple[str, TypeEngine], ...],
            dialect: Any) -> Any:
    sets = ", ".join(f"{column} = {expression}" for column, expression in assign)
    names = (key, *columns)
    if dialect.name == "postgresql":  # one row of parameters per executemany row
        row = ", ".join(f"CAST(:{name} AS {column_type.compile(dialect=dialect)}) AS {name}"
                        for name, column_type in zip(names, types))
        target = table.name
    else:  # every row in one parameter
        picked = ", ".join(f"json_extract(value, '$[{n}]') AS {name}" for n, name in enumerate(names))
        row = f"{picked} FROM json_each(:rows)"
        # NOT INDEXED: walk the rows given and find each by its key (the rowid). Without it
        # SQLite, which has no statistics, may start from an index of a `where` column (say
        # `status`), guessing ten rows, and go through the whole batch for each of thousands.
        target = f"{table.name} NOT INDEXED"
    sql = (f"UPDATE {target} SET {sets} FROM (SELECT {row}) AS v WHERE {table.name}.{key} = v.{key}"
           + (f" AND {where}" if where else ""))
    return text(sql).bindparams(*(bindparam(name, type_=column_type) for name, column_type in where_types))


class Bulk(Driver):
    """The session's connection (storage.driver.Driver), plus what the fan-out needs on top:
    many-row inserts and updates in one statement, one-step reads, id lists."""

    @property
    def holds_sqlite_write_lock(self) -> bool:
        """A SQLite write transaction of Database.transaction(), begun with BEGIN IMMEDIATE."""
        return not self.postgres and bool(self.connection.sync_connection.get_execution_options().get(SQLITE_WRITE))

    async def sqlite_rows(self, statement: Executable, parameters: Mapping[str, Any]) -> list[tuple]:
        """SQLite: run a fan-out statement as ONE call to aiosqlite's thread (its public
        `execute_fetchall`, on this session's connection and transaction) and return its rows
        as plain tuples. Through `AsyncConnection.execute` each statement is four calls to that
        thread (open a cursor, execute, fetch, close), and each call waits for its turn of the
        event loop: a tick with 1,000 prompts made 83 calls to that thread, 34 this way
        (docs/architecture.md, "Decisions"). SQLAlchemy still compiles the statement (once per process) and encodes each
        value by its type; errors are wrapped as SQLAlchemy wraps them, parameters hidden when the
        engine hides them."""
        prepared = _for_sqlite(statement, self.dialect)
        if prepared is None:
            return [tuple(row) for row in await self.rows(statement, parameters)]
        compiled, sql, order = prepared
        named = compiled.construct_params(dict(parameters))
        values = [named[name] if encode is None else encode(named[name]) for name, encode in order]
        driver = (await self.connection.get_raw_connection()).driver_connection
        try:
            return list(await driver.execute_fetchall(sql, values))
        except sqlite3.Error as error:
            raise DBAPIError.instance(sql, values, error, sqlite3.Error,
                                      hide_parameters=self.connection.sync_engine.hide_parameters) from error

    async def scalars(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> list[Any]:
        """The first column of each row (ids, counts): on SQLite in one call (`sqlite_rows`)."""
        if self.postgres:
            return list((await self.connection.execute(statement, dict(parameters or {}))).scalars())
        return [row[0] for row in await self.sqlite_rows(statement, parameters or {})]

    def ids(self, ids: Iterable[int]) -> Any:
        """The value of a `one_of` parameter."""
        return list(ids) if self.postgres else dumps_json(list(ids))

    async def rows_at_once(self, statement: Select, parameters: Mapping[str, Any] | None = None) -> list[tuple]:
        """The rows of a Core SELECT, read by column name (named tuples; values decoded by the
        columns' types, as SQLAlchemy reads them).

        On SQLite, SQLite builds them into one JSON value (`json_group_array`) that comes back
        in one step, instead of one step per row. The difference is the GIL: the driver's thread
        gives it up for each step and must win it back from the event loop, which waits its turn
        while the loop is busy (a fan-out's sends); one step lets the query run meanwhile. Build
        `statement` once and reuse it (the folded statement is cached per statement object).
        BLOBs cannot be read this way. The rows come in the order SQLite produces them, which an
        aggregate does not promise: sort them if it matters.
        """
        if self.postgres:
            return await self.rows(statement, parameters)
        folded, read = _at_once(statement, self.dialect)
        value = (await self.sqlite_rows(folded, parameters or {}))[0][0]
        return read(loads_json(value))

    async def insert(
        self, table: Table, rows: Sequence[Mapping[str, Any]], *, conflict_on: Sequence[str] = (),
        returning: Sequence[str] = (),
    ) -> list:
        """INSERT rows (ON CONFLICT (conflict_on) DO NOTHING when given); the inserted rows'
        `returning` columns, read by name. Columns missing from a row get their column default,
        as a Core insert would."""
        if not rows:
            return []
        columns = tuple(dict.fromkeys(name for row in rows for name in row))
        defaults = _default_values(table, tuple(c.name for c in table.c if c.name != "id"))
        columns += tuple(name for name in defaults if name not in columns)
        values = [tuple(row[name] if name in row else defaults.get(name) for name in columns) for row in rows]
        return await self.insert_values(table, columns, values, conflict_on=conflict_on, returning=returning)

    async def insert_values(
        self, table: Table, columns: tuple[str, ...], values: Sequence[Sequence[Any]], *,
        constants: Mapping[str, Any] | None = None, conflict_on: Sequence[str] = (), returning: Sequence[str] = (),
    ) -> list:
        """`insert` for rows given as tuples in `columns` order (Python values: aware datetimes,
        dicts for JSON), as the fan-out builds them; `constants` are columns with one value
        for every row."""
        if not values:
            return []
        constants = constants or {}
        if self.postgres:
            statement = _postgres_insert(table, tuple(conflict_on), tuple(returning))
            result = await self.connection.execute(statement, [dict(zip(columns, row)) | constants for row in values])
            return list(result.all()) if returning else []
        statement = _sqlite_insert(table, tuple(columns), tuple(constants), tuple(conflict_on), tuple(returning))
        types = tuple(table.c[name].type for name in columns)
        parameters = {f"c_{name}": value for name, value in constants.items()}
        parameters["rows"] = dumps_json(_encode(values, types, self.dialect))
        if not returning:
            await self.sqlite_rows(statement, parameters)
            return []
        return list((await self.connection.execute(statement, parameters)).all())

    async def insert_numbered(
        self, table: Table, columns: tuple[str, ...], values: Sequence[Sequence[Any]], *, conflict_on: Sequence[str],
        constants: Mapping[str, Any] | None = None,
    ) -> list[int | None]:
        """INSERT rows (tuples in `columns` order, plus `constants` as `insert_values` takes
        them) ON CONFLICT (conflict_on) DO NOTHING; the id the database gave each row, or None
        where a row with its key was there already (`conflict_on` are among `columns`).

        In a SQLite write transaction (Database.transaction(), which holds the one writer lock)
        the rows go without RETURNING, and the ids SQLite gave them are read back in one step:
        every row above the highest id before the insert is one of them (no other writer can
        insert meanwhile). RETURNING would cost a step, and a turn of the GIL, per row (see
        `rows_at_once`). Elsewhere: RETURNING id and the key columns.
        """
        if not values:
            return []
        conflict_on = tuple(conflict_on)
        key_at = [columns.index(name) for name in conflict_on]
        if self.holds_sqlite_write_lock:
            before = (await self.sqlite_rows(_highest_id(table), {}))[0][0]
            await self.insert_values(table, columns, values, constants=constants, conflict_on=conflict_on)
            new_ids = [row.id for row in await self.rows_at_once(_rows_after(table, ("id",)), {"after": before})]
            if len(new_ids) == len(values):  # every row went in, in the order of its rows
                return sorted(new_ids)
            inserted = await self.rows_at_once(_rows_after(table, ("id", *conflict_on)), {"after": before})
        else:
            inserted = await self.insert_values(table, columns, values, constants=constants, conflict_on=conflict_on,
                                                returning=("id", *conflict_on))
        ids = {tuple(getattr(row, name) for name in conflict_on): row.id for row in inserted}
        # a key given twice is inserted once: its first row gets the id
        return [ids.pop(tuple(row[n] for n in key_at), None) for row in values]

    async def update_values(
        self, table: Table, key: str, columns: tuple[str, ...], values: Sequence[Sequence[Any]], *,
        like: Mapping[str, str] | None = None, assign: Mapping[str, str] | None = None, where: str = "",
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        """UPDATE many rows, each to its own values: `values` are tuples of (`key`, *`columns`).

        The rows are a row source `v`: `assign` is the SET clause as column → SQL expression
        over `v.<column>` and constants (default: each of `columns` set to its `v.<column>`; the
        table's own columns written `{table}.<column>`). A name of `columns` that is not a column
        of the table takes the type of the column `like` maps it to. `where` adds conditions on
        the table's own row with named parameters (`parameters`), each typed like the column of
        the same name (or the one `like` maps it to).

        SQLite: one `UPDATE … FROM (SELECT … FROM json_each(:rows))`, one step for every row.
        PostgreSQL: an executemany, which asyncpg pipelines.
        """
        if not values:
            return
        like = like or {}
        parameters = dict(parameters or {})
        types = tuple(table.c[like.get(name, name)].type for name in (key, *columns))
        where_types = tuple((name, table.c[like.get(name, name)].type) for name in parameters)
        statement = _update(table, key, tuple(columns), types,
                            tuple((assign or {column: f"v.{column}" for column in columns}).items()),
                            where, where_types, self.dialect)
        names = (key, *columns)
        if self.postgres:
            await self.connection.execute(statement, [dict(zip(names, row)) | parameters for row in values])
            return
        await self.sqlite_rows(statement, {"rows": dumps_json(_encode(values, types, self.dialect)), **parameters})

