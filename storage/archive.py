"""Everything in the database as JSON lines, and back: `export all`, `import`, `backup`, `restore`.

The format (one file, UTF-8, one JSON object per line):

    {"format": "outcomebot-all", "version": 1, "revision": ["0004"], "tables": {"person": 12, …}}
    {"table": "person", "row": {"id": 1, "email": "maya@example.com", …}}
    …

The first line says which schema revision wrote it; the rows follow table by table in an order
that satisfies foreign keys, each row with its own ids, so references between rows survive.
Datetimes are ISO 8601 text and JSON columns are JSON. Every table the database holds is
written, including tables this module has never heard of (read with the types the database
reports), so nothing added later is silently left out. A gzip-compressed copy of the same
lines is what `backup` writes on PostgreSQL.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Column, MetaData, Table, TypeDecorator, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables whose types are known)

FORMAT = "outcomebot-all"
VERSION = 1
NOT_DATA = {"alembic_version"}
SQLITE_MAGIC = b"SQLite format 3\x00"
GZIP_MAGIC = b"\x1f\x8b"


class ArchiveError(Exception):
    """The file is not something `import`/`restore` can read; the message says what it is instead."""


@dataclass
class Manifest:
    revision: list[str]
    tables: dict[str, int] = field(default_factory=dict)

    def line(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "revision": sorted(self.revision), "tables": self.tables}


async def data_tables(connection: AsyncConnection) -> list[Table]:
    """The database's own tables in foreign-key order, typed like the models where they are known."""
    reflected = MetaData()
    await connection.run_sync(lambda sync: reflected.reflect(sync))
    typed = MetaData()
    known = SQLModel.metadata.tables
    tables = []
    for table in reflected.sorted_tables:
        if table.name in NOT_DATA:
            continue
        model = known.get(table.name)
        columns = [Column(column.name, model.c[column.name].type if model is not None and column.name in model.c
                          else column.type, primary_key=column.primary_key) for column in table.columns]
        copy = Table(table.name, typed, *columns)
        copy.info["self_references"] = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        tables.append(copy)
    return tables


def _order(table: Table):
    return list(table.primary_key.columns) or list(table.columns)


async def read_rows(connection: AsyncConnection, table: Table, chunk: int = 2000) -> AsyncIterator[dict[str, Any]]:
    result = await connection.stream(select(table).order_by(*_order(table)).execution_options(yield_per=chunk))
    async for row in result.mappings():
        yield dict(row)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}  # inf / nan have no JSON spelling
    return value


def _typed(column: Column, value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$float"}:
        return float(value["$float"])
    if value is None or not isinstance(value, str):
        return value
    kind = column.type
    if isinstance(kind, TypeDecorator):  # e.g. SQLModel's UTCDateTime reports `object`; its impl knows
        kind = kind.impl_instance
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return value
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    return value


def encode_row(table: str, row: dict[str, Any]) -> str:
    return json.dumps({"table": table, "row": {name: _plain(value) for name, value in row.items()}},
                      ensure_ascii=False, separators=(",", ":"))


def decode_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    unknown = set(row) - set(table.c.keys())
    if unknown:
        raise ArchiveError(f"table {table.name} has no column {', '.join(sorted(unknown))} at this schema revision")
    return {name: _typed(table.c[name], value) for name, value in row.items()}


async def write_lines(engine: AsyncEngine, out: IO[str], revision: Iterable[str]) -> Manifest:
    """Every row, read in one consistent snapshot on PostgreSQL (SQLite callers pass a copy
    taken with the backup API, which is one already)."""
    manifest = Manifest(revision=list(revision))
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = await connection.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            tables = await data_tables(connection)
            counts = {}
            body: list[str] = []
            for table in tables:
                counts[table.name] = 0
                async for row in read_rows(connection, table):
                    body.append(encode_row(table.name, row))
                    counts[table.name] += 1
    manifest.tables = counts
    out.write(json.dumps(manifest.line(), separators=(",", ":")) + "\n")
    for line in body:
        out.write(line + "\n")
    return manifest


def open_lines(path: Path) -> IO[str]:
    with path.open("rb") as probe:
        head = probe.read(16)
    if head.startswith(GZIP_MAGIC):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")


def read_manifest(lines: Iterator[str], source: str) -> Manifest:
    first = next(lines, "")
    try:
        head = json.loads(first)
    except json.JSONDecodeError:
        head = None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise ArchiveError(f"{source} is not an `outcomebot export all` file (its first line is not the "
                           f"{FORMAT!r} header)")
    if head.get("version") != VERSION:
        raise ArchiveError(f"{source} has format version {head.get('version')}; this release reads version {VERSION}")
    return Manifest(revision=list(head.get("revision") or []), tables=dict(head.get("tables") or {}))


def parse_rows(lines: Iterator[str], source: str, first_line: int = 2) -> Iterator[tuple[int, str, dict[str, Any]]]:
    for number, text in enumerate(lines, start=first_line):
        if not text.strip():
            continue
        try:
            item = json.loads(text)
            yield number, str(item["table"]), dict(item["row"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            raise ArchiveError(f"{source} line {number} is not a {{\"table\": …, \"row\": {{…}}}} object") from None
