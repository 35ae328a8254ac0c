"""`outcomebot backup FILE`, `restore FILE`, `export all` and `import` of an `export all` file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli import ConfigOption, app, fail, open_runtime, run_async

ALL_FILE = "outcomebot-all.jsonl"
EMPTY_HINT = ("{target} is not empty ({detail}). `restore` and `import` of a whole database only go into an empty "
              "one, so nothing is overwritten: point database_url / OUTCOMEBOT_DATABASE_URL at a new database "
              "(a new SQLite file, or `createdb` on PostgreSQL) and run the same command again.")


def _database_url(config: Path | None) -> str:
    runtime = open_runtime(config)
    run_async(runtime.close())
    return runtime.config.resolved_database_url


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup.", show_default=False)],
    config: ConfigOption = None,
    force: Annotated[bool, typer.Option(help="Overwrite FILE if it exists.")] = False,
) -> None:
    """A consistent copy of the database, safe while `serve` runs (restore it with `outcomebot restore`)."""
    from sqlalchemy.exc import SQLAlchemyError  # imported when a command runs: `--help` stays fast

    from storage.backup import backup as take_backup

    if file.exists() and not force:
        raise fail(f"{file} already exists; choose another name or use --force to overwrite it.")
    url = _database_url(config)
    try:
        kind = run_async(take_backup(url, file))
    except (SQLAlchemyError, OSError, ValueError) as exc:
        raise fail(f"No backup written: {_reason(exc)}") from None
    what = "a SQLite database file" if kind == "sqlite" else "gzip-compressed `export all` lines"
    typer.echo(f"Wrote {file} ({what}, {file.stat().st_size:,} bytes). Restore it with `outcomebot restore {file}`.")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `backup` or `export all`.", show_default=False)],
    config: ConfigOption = None,
) -> None:
    """Restore a backup (or an `export all` file) into an EMPTY database; a database with data is refused."""
    restore_into(file, config)


def restore_into(file: Path, config: Path | None) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from storage.archive import ArchiveError
    from storage.restore import NotEmpty, shown

    from storage.restore import restore_file

    if not file.is_file():
        raise fail(f"{file} does not exist.")
    url = _database_url(config)
    try:
        manifest = run_async(restore_file(url, file))
    except NotEmpty as exc:
        raise fail(EMPTY_HINT.format(target=shown(url), detail=str(exc).removeprefix("the database is not empty ("
                                                                                       ).rstrip(")"))) from None
    except ArchiveError as exc:
        raise fail(f"Nothing was restored: {exc}.") from None
    except (SQLAlchemyError, OSError, ValueError) as exc:
        raise fail(f"Nothing was restored: {_reason(exc)}") from None
    total = sum(manifest.tables.values())
    typer.echo(f"Restored {total:,} rows from {file} into {shown(url)}:")
    for name, count in sorted(manifest.tables.items()):
        typer.echo(f"  {name}: {count:,}")


def export_everything(out: Path | None, force: bool, config: Path | None) -> None:
    """`export all`: every table as JSON lines, to stdout or to DIR/outcomebot-all.jsonl."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.backup import export_all, new_owner_only_file

    url = _database_url(config)
    target = out / ALL_FILE if out else None
    if target is not None and target.exists() and not force:
        raise fail(f"{target} already exists; use --force to overwrite.")
    try:
        if target is None:
            run_async(export_all(url, sys.stdout))
            return
        out.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
        partial = target.with_name(target.name + ".partial")
        new_owner_only_file(partial)
        with partial.open("w", encoding="utf-8") as handle:
            manifest = run_async(export_all(url, handle))
        partial.replace(target)
    except (SQLAlchemyError, OSError, ValueError) as exc:
        raise fail(f"Nothing was exported: {_reason(exc)}") from None
    rows = sum(manifest.tables.values())
    typer.echo(f"Wrote {target} ({rows:,} rows). Read it back with `outcomebot import {target}`.")


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
