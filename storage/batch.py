"""Statements sent to the database together, and SQLite write transactions on a thread of their own.

`Batch` queues Core / `text()` statements that do not depend on each other's results and
runs them in order: on the session's connection (`await batch.run()`, through
`storage.driver.Driver`), or on a synchronous SQLAlchemy connection (`batch.run_on(c)`) inside
`Database.write_on_thread`. Work that reads, decides and writes again is written once as a
generator of batches (`steps`) and driven either way (`run_steps`, `run_steps_on`).

`ThreadWriter` is how a check-in submission is stored on SQLite: the whole transaction
(BEGIN IMMEDIATE, the reads, the writes, the COMMIT) runs with the synchronous sqlite3
driver on one thread, handed over once. On aiosqlite every statement is a call to the
driver's thread whose answer waits for a turn of the event loop, and the transaction holds
SQLite's one writer lock all the while; under load those turns were most of a submission's
time (docs/architecture.md, "Decisions").
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Generator, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

if TYPE_CHECKING:
    from storage.driver import Driver

T = TypeVar("T")
# What `Database.write_on_thread` hands its work: callers outside storage only pass it on to
# storage functions (SQL stays in storage/).
WriteConnection = Connection
# Work written once for both ways of running it: yields each batch to be run, returns its result.
Steps = Generator["Batch", None, T]


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

    They run one after the other on one connection, in the order they were added, and the
    batch stops at the first failure, which is raised (no later statement is sent: on
    SQLite, a failure such as SQLITE_FULL or SQLITE_IOERR may have rolled the transaction
    back already, and a later statement would run outside it); the caller's transaction then
    rolls the rest back. Statements are SQLAlchemy Core constructs or `text()` with named
    parameters (without expanding `IN` lists: name each value); rows of a Core select (or
    `text().columns()` naming every column) are read by column name on both databases.
    Through a session on SQLite they bypass SQLAlchemy's cursor (and so its cursor events):
    see `run`.

        batch = driver.batch()          # or Batch(), to run with run_on(connection)
        inserted = batch.add(text("INSERT … RETURNING id"), {…})
        batch.add(update(…))
        await batch.run()
        ids = batch.rows(inserted)
    """

    def __init__(self, driver: Driver | None = None) -> None:
        self.driver = driver
        self._statements: list[tuple[Executable, Mapping[str, Any]]] = []
        self._results: list[list[Row]] | None = None

    def add(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> int:
        """Queue a statement; its index, for `rows` after the run."""
        if self._results is not None:
            raise RuntimeError("this batch has run already")
        self._statements.append((statement, parameters or {}))
        return len(self._statements) - 1

    def __len__(self) -> int:
        return len(self._statements)

    async def run(self, driver: Driver | None = None) -> None:
        """Run on the session's connection (`driver`, else the one given at creation)."""
        driver = driver or self.driver
        if driver is None:
            raise RuntimeError("no connection to run this batch on")
        connection, results = driver.connection, []
        if driver.postgres:  # asyncpg answers each statement in one round trip
            for statement, parameters in self._statements:
                result = await connection.execute(statement, parameters)
                results.append(list(result.all()) if result.returns_rows else [])
            self._results = results
            return
        # SQLite: each statement is one call to aiosqlite's thread (its public execute_fetchall)
        # instead of the four SQLAlchemy's cursor makes (open, execute, fetch, close).
        # SQLAlchemy still compiles each statement and encodes each value with its type. (A
        # check-in submission does not come this way on a SQLite file: see ThreadWriter.)
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

    def run_on(self, connection: Connection) -> None:
        """Run on a synchronous SQLite connection (in `Database.write_on_thread`), in its
        transaction: as `run` does on SQLite, each statement compiled and its values encoded by
        SQLAlchemy, then sent to the sqlite3 driver (its public `execute`) and its rows read by
        the same readers; SQLAlchemy's cursor, with its per-statement result machinery, is left out.
        That work happens on the writer's thread, which has to win the GIL back from a busy event
        loop for every stretch of Python it runs, so less of it keeps the write lock shorter."""
        sqlite, dialect = connection.connection.driver_connection, connection.dialect
        hide, results = connection.engine.hide_parameters, []
        for statement, parameters in self._statements:
            text, values = _compiled_for_sqlite(statement, parameters, dialect)
            try:
                rows = sqlite.execute(text, values).fetchall()
            except sqlite3.Error as error:
                raise DBAPIError.instance(text, values, error, sqlite3.Error, hide_parameters=hide) from error
            read = _compiled(statement, dialect)[4]
            results.append([read(row) for row in rows] if read is not None else rows)
        self._results = results

    def rows(self, index: int) -> list[Row]:
        if self._results is None:
            raise RuntimeError("run the batch first")
        return self._results[index]


async def run_steps(steps: Steps[T], driver: Driver) -> T:
    """Drive `steps` on the session's connection: each batch it yields is run, then it goes on."""
    try:
        batch = next(steps)
        while True:
            await batch.run(driver)
            batch = steps.send(None)
    except StopIteration as done:
        return done.value


def run_steps_on(steps: Steps[T], connection: Connection) -> T:
    """Drive `steps` on a synchronous connection."""
    try:
        batch = next(steps)
        while True:
            batch.run_on(connection)
            batch = steps.send(None)
    except StopIteration as done:
        return done.value


class ThreadWriter:
    """SQLite write transactions run whole on one thread with the synchronous sqlite3 driver.

    `await writer.run(work)` runs `work(connection)` on the writer's thread between BEGIN
    IMMEDIATE and COMMIT (ROLLBACK if it raises; the exception is raised to the caller) and
    returns its result: one hand-over to the thread and one back, however many statements.
    The caller keeps the process's write turn (`Database.write_on_thread`) meanwhile, so this
    connection never waits for SQLite's lock behind another writer of the process.
    `work` runs on the thread: it must not touch the event loop or an AsyncSession.
    """

    def __init__(self, url: str, *, configure: Callable[[Engine], None], **options: Any) -> None:
        """`url`: the database through the sqlite3 driver; `configure` adds the engine's listeners
        (pragmas); `options` go to `create_engine` (JSON serializers, connect_args)."""
        # One connection, only ever used on the one thread (closed there too, see `close`).
        self.engine = create_engine(url, hide_parameters=True, pool_size=1, max_overflow=0, pool_reset_on_return=None,
                                    **options)
        configure(self.engine)
        # SQLAlchemy's documented recipe for SQLite transactions it controls: the driver's own
        # transaction handling off, BEGIN emitted when SQLAlchemy begins one.
        event.listen(self.engine, "connect", _driver_autocommit)
        event.listen(self.engine, "begin", _begin_immediate)
        self._thread = _writer_thread()

    def _transaction(self, work: Callable[[Connection], T]) -> T:
        with self.engine.begin() as connection:
            return work(connection)

    async def run(self, work: Callable[[Connection], T]) -> T:
        future = asyncio.get_running_loop().run_in_executor(self._thread, self._transaction, work)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            # The thread finishes (commits or rolls back) whatever happens: the caller keeps
            # its write turn until then, so the next writer does not meet SQLite's lock.
            await asyncio.wait([future])
            raise

    async def close(self) -> None:
        """Close the connection (on its thread) and end the thread; a later `run` starts a new one."""
        thread, self._thread = self._thread, _writer_thread()
        await asyncio.get_running_loop().run_in_executor(thread, self.engine.dispose)
        thread.shutdown(wait=True)


def _writer_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")  # its thread starts on first use


def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
