"""`outcomebot demo`: the sample organisation plays three weeks in a fresh database.

The real scheduler tick, terminal check-in form, digests and nudges run on the demo's own
clock (bot.demo_week), so the demo shows the same thing whatever today's date is. The user's
own data is never touched: the demo uses a temporary database unless `--database` names a
new file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer

from bot.cli import app, fail, run_async


@app.command()
def demo(
    database: Annotated[
        Optional[Path], typer.Option(help="Keep the demo in this NEW SQLite file (default: a temporary one).")
    ] = None,
) -> None:
    """Create a sample organisation in a fresh database and play its weekly check-ins, digests and a win."""
    from bot.console.launch import load_sample_org
    from bot.demo_week import DemoScriptError, DemoWeeks, demo_config
    from storage import migrate
    from storage.db import Database

    if database is not None and database.exists():
        raise fail(f"{database} already exists; the demo only writes a new database. Choose a new file name.")
    with tempfile.TemporaryDirectory(prefix="outcomebot-demo-") as folder:
        path = database or Path(folder) / "demo.db"
        url = f"sqlite:///{path.resolve()}"
        migrate.upgrade(url)
        config = demo_config(url)

        async def run() -> None:
            db = Database(url)
            try:
                await load_sample_org(config, db)
                typer.echo("Loaded the sample organisation: two teams (Platform, Growth), their managers and OKRs.\n")
                await DemoWeeks(config, db, typer.echo).play()
            finally:
                await db.dispose()

        try:
            run_async(run())
        except DemoScriptError as problem:
            raise fail(f"The demo stopped: {problem}") from None
    where = f"The demo database is kept in {database}" if database else "The demo used a temporary database, now removed"
    typer.echo(f"{where}. Try it yourself: `outcomebot start`, or `outcomebot chat --as EMAIL` after importing your org.")
