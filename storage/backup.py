"""`outcomebot backup FILE` and `export all`: a consistent copy of a database that is in use.

SQLite: the online backup API (Python's `sqlite3.Connection.backup`) copies every page in one
step under a read lock, so the copy is one moment of the database even while `serve` writes (WAL
lets the writers go on meanwhile). The backup is itself a SQLite database: `restore` reads it,
and so does the `sqlite3` shell.

PostgreSQL: `pg_dump` is the tool for full-server backups (see docs/deploy.md); `backup FILE`
writes the `export all` lines, gzip-compressed, read in one REPEATABLE READ snapshot — a
portable archive that restores into PostgreSQL or SQLite.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from storage import migrate
from storage.archive import Manifest, write_lines
from storage.db import is_sqlite, make_engine
from storage.files import OWNER_ONLY_FILE


def new_owner_only_file(path: Path) -> None:
    """An empty file only its owner may read: backups hold everything people wrote."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY_FILE))
    os.chmod(path, OWNER_ONLY_FILE)  # whatever the umask


def sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def snapshot_sqlite(source: Path, target: Path) -> None:
    """Copy the SQLite database at `source` to `target` in one consistent step."""
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist")
    reader = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)  # pages=-1: everything in one step, one read transaction
    finally:
        writer.close()
        reader.close()


async def export_all(url: str, out: IO[str]) -> Manifest:
    """Write every row as `export all` JSON lines (see storage/archive.py)."""
    if is_sqlite(url):
        with tempfile.TemporaryDirectory(prefix="outcomebot-export-") as folder:
            copy = Path(folder) / "snapshot.db"
            new_owner_only_file(copy)
            await asyncio.to_thread(snapshot_sqlite, sqlite_file(url), copy)
            return await _export(f"sqlite:///{copy}", out)
    return await _export(url, out)


async def _export(url: str, out: IO[str]) -> Manifest:
    engine = make_engine(url)
    try:
        return await write_lines(engine, out, await migrate.applied_revisions(engine))
    finally:
        await engine.dispose()


async def backup(url: str, target: Path) -> str:
    """Write a backup of the database at `url` to `target`; returns what kind ("sqlite" or "archive").

    The file appears under its name only once complete (written beside it, then renamed)."""
    partial = target.with_name(target.name + ".partial")
    new_owner_only_file(partial)
    try:
        if is_sqlite(url):
            await asyncio.to_thread(snapshot_sqlite, sqlite_file(url), partial)
            kind = "sqlite"
        else:
            with gzip.open(partial, "wt", encoding="utf-8") as out:
                await export_all(url, out)
            kind = "archive"
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return kind
