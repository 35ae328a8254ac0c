"""Load a backup or an `export all` file into an empty database (`restore`, `import`).

The target is first brought to the schema revision the file was written at, the rows go in
in one transaction with their own ids (all or nothing), and then the usual migrations bring it
to this release's schema: a backup from an older release restores into a newer one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import migrate
from storage.archive import (
    SQLITE_MAGIC,
    ArchiveError,
    Manifest,
    data_tables,
    decode_row,
    open_lines,
    parse_rows,
    read_manifest,
    read_rows,
)
from storage.db import make_engine

CHUNK = 1000


class NotEmpty(Exception):
    """The target database already holds rows; `tables` says which and how many."""

    def __init__(self, tables: dict[str, int]) -> None:
        self.tables = tables
        shown = ", ".join(f"{count} in {name}" for name, count in sorted(tables.items()))
        super().__init__(f"the database is not empty ({shown})")


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        return {table.name: (await connection.execute(select(func.count()).select_from(table))).scalar_one()
                for table in await data_tables(connection)}


async def restore_file(target_url: str, path: Path) -> Manifest:
    """Restore a SQLite backup file or an `export all` file (plain or gzip) into `target_url`."""
    with path.open("rb") as probe:
        is_sqlite = probe.read(16) == SQLITE_MAGIC
    if is_sqlite:
        return await _restore_sqlite_file(target_url, path)
    with open_lines(path) as handle:
        lines = iter(handle)
        manifest = read_manifest(lines, path.name)
        await _prepare(target_url, manifest.revision)
        counts = await _load(target_url, _decoded(parse_rows(lines, path.name)))
    return await _finish(target_url, manifest, counts)


async def _restore_sqlite_file(target_url: str, path: Path) -> Manifest:
    source = make_engine(f"sqlite:///{path.resolve()}")
    try:
        revision = sorted(await migrate.applied_revisions(source))
        if not revision:
            raise ArchiveError(f"{path.name} is a SQLite database but not an OutcomeBot one (no schema revision)")
        await _prepare(target_url, revision)

        async def rows() -> AsyncIterator[tuple[str, dict[str, Any]]]:
            async with source.connect() as connection:
                for table in await data_tables(connection):
                    async for row in read_rows(connection, table):
                        yield table.name, row

        counts = await _load(target_url, rows())
    finally:
        await source.dispose()
    return await _finish(target_url, Manifest(revision=revision), counts)


async def _decoded(rows: Iterator[tuple[int, str, dict[str, Any]]]) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    for _number, table, row in rows:
        yield table, row


async def _finish(target_url: str, manifest: Manifest, counts: dict[str, int]) -> Manifest:
    await asyncio.to_thread(migrate.upgrade, target_url)
    return Manifest(revision=manifest.revision, tables=counts)


async def _prepare(target_url: str, revision: list[str]) -> None:
    """Refuse a database with rows; put an empty one at the file's schema revision."""
    engine = make_engine(target_url)
    try:
        applied = await migrate.applied_revisions(engine)
        if applied:
            filled = {name: count for name, count in (await row_counts(engine)).items() if count}
            if filled:
                raise NotEmpty(filled)
    finally:
        await engine.dispose()
    if len(revision) != 1:
        raise ArchiveError(f"the file was written at schema revisions {revision}; expected exactly one")
    wanted = revision[0]
    if wanted not in migrate.known_revisions():
        raise ArchiveError(f"the file was written at schema revision {wanted}, which this release does not know "
                           "(it is newer): restore it with the release that wrote it, or a later one")
    if applied == {wanted}:
        return
    step = migrate.upgrade if not applied or migrate.is_ancestor(applied, wanted) else migrate.downgrade
    await asyncio.to_thread(step, target_url, wanted)


async def _load(target_url: str, rows: AsyncIterator[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    engine = make_engine(target_url)
    counts: dict[str, int] = {}
    try:
        async with engine.begin() as connection:
            tables = {table.name: table for table in await data_tables(connection)}
            batch: list[dict[str, Any]] = []
            current: Table | None = None
            deferred: list[dict[str, Any]] = []
            async for name, row in rows:
                if current is None or name != current.name:
                    await _flush(connection, current, batch, deferred)
                    if name not in tables:
                        raise ArchiveError(f"this database has no table {name!r} at the file's schema revision")
                    current, batch, deferred = tables[name], [], []
                typed = decode_row(current, row)
                for column in current.info["self_references"]:  # set once every row of the table is in
                    if typed.get(column) is not None:
                        deferred.append({"_pk": typed[_pk(current)], "_value": typed[column], "_column": column})
                        typed[column] = None
                batch.append(typed)
                counts[name] = counts.get(name, 0) + 1
                if len(batch) >= CHUNK:
                    await connection.execute(current.insert(), batch)
                    batch = []
            await _flush(connection, current, batch, deferred)
            if engine.dialect.name == "postgresql":
                await _advance_sequences(connection, tables.values())
    finally:
        await engine.dispose()
    return counts


def _pk(table: Table) -> str:
    return list(table.primary_key.columns)[0].name


async def _flush(connection: AsyncConnection, table: Table | None, batch: list[dict[str, Any]],
                 deferred: list[dict[str, Any]]) -> None:
    if table is None:
        return
    if batch:
        await connection.execute(table.insert(), batch)
    key = table.c[_pk(table)]
    for column in {item["_column"] for item in deferred}:
        values = [{"_pk": item["_pk"], "_value": item["_value"]} for item in deferred if item["_column"] == column]
        statement = update(table).where(key == bindparam("_pk")).values({column: bindparam("_value")})
        await connection.execute(statement, values)


async def _advance_sequences(connection: AsyncConnection, tables) -> None:
    """Rows came with their ids; PostgreSQL's sequences must continue after the largest."""
    for table in tables:
        if "id" not in table.c:
            continue
        sequence = (await connection.execute(text("SELECT pg_get_serial_sequence(:table, 'id')"),
                                             {"table": table.name})).scalar()
        if sequence:
            largest = f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1'
            await connection.execute(text(f"SELECT setval(:sequence, {largest}, false)"), {"sequence": sequence})


def shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
