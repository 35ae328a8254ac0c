"""Engine and session factory. One async engine per process: aiosqlite or asyncpg.

SQLite allows one writer at a time. `Database.transaction()` therefore starts with
`BEGIN IMMEDIATE` there (the write lock is taken before the first read, so a transaction that
reads and then writes can never fail to upgrade its lock with SQLITE_BUSY), and write
transactions of one process queue in FIFO order on an asyncio lock instead of polling
SQLite's file lock (the busy handler sleeps up to 100 ms between tries, which is what made
the slowest writes slow). Other processes (a `tick` next to `serve`) still wait through
`busy_timeout`. `Database.write_on_thread` runs a whole write transaction with the synchronous
sqlite3 driver on a thread of its own, in the same queue (storage/batch.py, `ThreadWriter`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.files import create_owner_only

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from storage.batch import ThreadWriter

from storage.plain_sqlite import DEFAULT_DB_NAME, default_database_url  # noqa: F401  (defined without SQLAlchemy)

T = TypeVar("T")


def async_url(url: str) -> str:
    """Accept the URLs people type (`sqlite:///x.db`, `postgresql://...`) and pick async drivers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def sync_url(url: str) -> str:
    """The same database through a synchronous driver, for Alembic."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def dumps_json(value: Any) -> str:
    """JSON text for a JSON column (orjson: several times faster than `json.dumps`, and the
    outbox stores one context per message). Compact, UTF-8 kept as is, non-string keys as text."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


loads_json = orjson.loads


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


SQLITE_WRITE = "outcomebot_sqlite_write"  # execution option of `Database.transaction()` sessions


def _sqlite_begin(connection) -> None:
    """Write transactions take the write lock first. Read sessions keep the driver's default
    (no BEGIN until a statement writes), which costs nothing extra per read. The BEGIN goes
    straight to aiosqlite: one hop to its thread instead of a cursor's three."""
    if connection.get_execution_options().get(SQLITE_WRITE):
        connection.connection.dbapi_connection.run_async(lambda driver: driver.execute_fetchall("BEGIN IMMEDIATE"))


def _configure_sqlite(engine: Any, url: str) -> None:
    # Before SQLite opens (and so creates) the file: owner-only (storage/files.py).
    event.listen(engine, "do_connect", lambda *_args: create_owner_only(url))
    event.listen(engine, "connect", _sqlite_pragmas)


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Statements' parameters (people's check-in text among them) never appear in error
    messages or logs: `hide_parameters`."""
    url = async_url(url)
    if is_sqlite(url):
        # A small pool: every aiosqlite connection is a thread, and writes queue anyway. Every
        # driver call is a hop to that thread, so the pool's extra rollback on check-in (the
        # session has already committed or rolled back) is left out.
        engine = create_async_engine(url, echo=echo, hide_parameters=True, connect_args={"timeout": 30}, pool_size=5,
                                     max_overflow=5, pool_reset_on_return=None, json_serializer=dumps_json,
                                     json_deserializer=loads_json)
        _configure_sqlite(engine.sync_engine, url)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, echo=echo, hide_parameters=True, pool_size=10, max_overflow=10, pool_pre_ping=True,
                               json_serializer=dumps_json, json_deserializer=loads_json)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


class Database:
    """The engine and its session factory, passed explicitly to whoever needs them."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        self.engine = make_engine(self.url, echo=echo)
        self.sessions = make_sessionmaker(self.engine)
        if self.is_sqlite:
            self._write_sessions = make_sessionmaker(self.engine.execution_options(**{SQLITE_WRITE: True}))
        else:
            self._write_sessions = self.sessions
        self._writer = WriterQueue() if self.is_sqlite else None
        # SQLite file: `write_on_thread`'s engine and thread (both started on first use).
        self.thread_writer: ThreadWriter | None = None
        if self.writes_on_thread:
            from storage.batch import ThreadWriter

            self.thread_writer = ThreadWriter(
                sync_url(self.url), configure=lambda engine: _configure_sqlite(engine, self.url),
                connect_args={"timeout": 30}, json_serializer=dumps_json, json_deserializer=loads_json)

    @property
    def writes_on_thread(self) -> bool:
        """Whether `write_on_thread` is available: a SQLite file (not PostgreSQL, whose asyncpg
        answers each statement in one round trip; not an in-memory SQLite, private to its connection)."""
        database = make_url(self.url).database or ""
        return self.is_sqlite and database not in ("", ":memory:") and "mode=memory" not in self.url

    async def write_on_thread(self, work: Callable[[Connection], T]) -> T:
        """SQLite file: `work(connection)` in one write transaction (BEGIN IMMEDIATE … COMMIT, or
        ROLLBACK when it raises) on a thread of its own with the synchronous sqlite3 driver,
        taking its turn with the other write transactions of the process. `work` runs on that
        thread: plain functions and SQLAlchemy's synchronous `Connection` only."""
        if self.thread_writer is None or self._writer is None:
            raise RuntimeError("write_on_thread needs a SQLite file")
        async with self._writer.turn():
            return await self.thread_writer.run(work)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error.

        On SQLite, one at a time per process (see the module docstring); do not open a
        transaction while holding another one in the same task.
        """
        if self._writer is None:
            async with self._write_sessions() as session, session.begin():
                yield session
            return
        async with self._writer.turn(), self._write_sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        if self.thread_writer is not None:
            await self.thread_writer.close()
        await self.engine.dispose()


class WriterQueue:
    """Lets one task at a time write, in arrival order; per event loop (tests run many)."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._holder: asyncio.Task | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop, self._holder = asyncio.Lock(), loop, None
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            raise RuntimeError("a SQLite write transaction was opened inside another one in the same task; "
                               "it would wait for itself forever")
        async with self._lock:
            self._holder = task
            try:
                yield
            finally:
                self._holder = None
