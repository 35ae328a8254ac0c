"""A SQLite database file read with the standard library alone, for commands that must start fast.

Importing SQLAlchemy (and SQLModel's tables) costs most of a second of a short command's
start; `outcomebot status` on the embedded SQLite file reads a few counts with `sqlite3`
instead (storage.status_facts). Values are the ones the tables store: times are naive UTC text
in SQLAlchemy's format, which `sqlite_time` writes and `read_time` reads (storage.driver uses
the same two). Everything else goes through storage.db.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

DEFAULT_DB_NAME = "outcomebot.db"
UTC = timezone.utc
_SQLITE_SCHEMES = ("sqlite:///", "sqlite+aiosqlite:///", "sqlite+pysqlite:///")


def default_database_url(config_dir: Path) -> str:
    """The embedded default: a SQLite file next to app.yaml."""
    return f"sqlite+aiosqlite:///{(config_dir / DEFAULT_DB_NAME).resolve()}"


def plain_sqlite_file(url: str) -> Path | None:
    """The file a plain SQLite URL names (`sqlite:///x.db`, `sqlite+aiosqlite:////abs/x.db`).

    None for anything else — other databases, in-memory ones, URLs with options or escapes —
    which callers then open through SQLAlchemy (storage.db), as every other command does."""
    scheme = next((prefix for prefix in _SQLITE_SCHEMES if url.startswith(prefix)), None)
    if scheme is None:
        return None
    database = url[len(scheme):]
    if database in ("", ":memory:") or database.startswith("file:") or any(c in database for c in "?#%"):
        return None
    return Path(database)


def connect_existing(path: Path, *, timeout: float = 10.0) -> sqlite3.Connection:
    """A connection to the database file at `path`, which must exist (a missing file raises
    `sqlite3.OperationalError` and is not created: storage.db creates it owner-only)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=timeout)


def sqlite_time(value: datetime) -> str:
    """An aware datetime as SQLite columns store it: naive UTC text, microseconds always shown."""
    if value.tzinfo is not UTC:
        if value.utcoffset() is None:
            raise ValueError("Datetime values must have timezone information.")
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def read_time(value: Any) -> datetime | None:
    """A stored time (SQLite text, or a PostgreSQL datetime) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)
