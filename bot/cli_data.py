"""`outcomebot import FILE` and `outcomebot export`: the org chart and OKRs in and out."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from bot.cli import ConfigOption, app, fail, open_runtime, run_async

EXPORT_FILES = {"people": "people.csv", "okrs": "okrs.yaml"}
NO_TABLES_HINT = "The database is not ready ({error}). Run `outcomebot db upgrade` (or `outcomebot init`) first."


class ExportWhat(StrEnum):
    people = "people"
    okrs = "okrs"
    all = "all"  # everything, as JSON lines (bot/cli_backup.py)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A people .csv or an OKR .yaml/.yml file.", show_default=False)],
    config: ConfigOption = None,
) -> None:
    """Import people (CSV), OKRs (YAML), or an `export all` file (.jsonl, into an empty database). All or nothing."""
    if file.name.lower().endswith((".jsonl", ".jsonl.gz")):
        from bot.cli_backup import restore_into

        return restore_into(file, config)
    from sqlalchemy.exc import DBAPIError

    from storage.importers import ImportFailed, import_file

    runtime = open_runtime(config)
    organisation = runtime.config.organisation

    async def run():
        try:
            report = await import_file(
                runtime.db, file,
                default_timezone=organisation.timezone, default_country=organisation.country,
                admins=organisation.admins,
            )
            if report.created_people:
                await _welcome(runtime, report.created_people)
            if report.calendar_changed:
                from bot.ticker import planner_settings
                from cadences.planner import Planner
                from storage.models import utcnow

                await Planner(runtime.db, planner_settings(runtime.config)).replan(report.calendar_changed, utcnow())
            return report
        finally:
            await runtime.close()

    try:
        report = run_async(run())
    except ImportFailed as failure:
        typer.secho(f"{failure}. Fix the problems below and run the same command again:", err=True, fg=typer.colors.RED)
        for problem in failure.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from None
    except DBAPIError as exc:
        raise fail(NO_TABLES_HINT.format(error=str(exc.orig).splitlines()[0])) from None
    typer.echo(f"Imported {report.source}:")
    for line in report.summary_lines():
        typer.echo(f"  {line}")


async def _welcome(runtime, person_ids: list[int]) -> None:
    """New people hear when their check-ins come and may check in at once (cadences.welcome)."""
    from cadences.welcome import welcome_newcomers
    from storage.models import utcnow

    async with runtime.db.transaction() as session:
        await welcome_newcomers(session, person_ids, rules=runtime.config.cadences,
                                default_timezone=runtime.config.organisation.timezone, now=utcnow())


@app.command("export")
def export_command(
    what: Annotated[
        Optional[ExportWhat],
        typer.Argument(help="Print only this to stdout: people, okrs, or all (every table, JSON lines).",
                       show_default=False)
    ] = None,
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Write people.csv and okrs.yaml into this folder.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite files already in --out.")] = False,
    config: ConfigOption = None,
) -> None:
    """Export people and OKRs in the formats `import` reads (a backup, or to edit and re-import)."""
    if what == ExportWhat.all:
        from bot.cli_backup import export_everything

        return export_everything(out, force, config)
    from sqlalchemy.exc import DBAPIError

    from storage.importers.export import export_okrs_yaml, export_people_csv

    if what is None and out is None:
        raise fail(
            "Say what to print — `outcomebot export people` or `outcomebot export okrs` — "
            "or write both files with `outcomebot export --out DIR`.",
            code=2,
        )
    names = [what.value] if what else list(EXPORT_FILES)
    targets = {name: out / EXPORT_FILES[name] for name in names} if out else {}
    existing = [str(path) for path in targets.values() if path.exists()]
    if existing and not force:
        raise fail(f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; use --force to overwrite.")
    runtime = open_runtime(config)

    async def run() -> dict[str, str]:
        try:
            texts = {}
            if "people" in names:
                texts["people"] = await export_people_csv(runtime.db)
            if "okrs" in names:
                texts["okrs"] = await export_okrs_yaml(runtime.db)
            return texts
        finally:
            await runtime.close()

    try:
        texts = run_async(run())
    except DBAPIError as exc:
        raise fail(NO_TABLES_HINT.format(error=str(exc.orig).splitlines()[0])) from None
    if not out:
        typer.echo(texts[names[0]], nl=False)
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, path in targets.items():
        path.write_text(texts[name], encoding="utf-8")
        typer.echo(f"Wrote {path}")
