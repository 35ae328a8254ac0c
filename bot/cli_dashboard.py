"""`outcomebot dashboard link --as EMAIL`: print a one-time sign-in link to the web dashboard."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

import typer

from bot.cli import ConfigOption, app, fail, open_runtime, run_async, upgrade_database

dashboard_app = typer.Typer(help="The web dashboard (served by `outcomebot serve` under /dash/).", no_args_is_help=True)
app.add_typer(dashboard_app, name="dashboard")


@dashboard_app.command("link")
def link(
    email: Annotated[str, typer.Option("--as", help="Whose dashboard: the person's email.")],
    config: ConfigOption = None,
) -> None:
    """Print a sign-in link for that person: it works once, for 15 minutes."""
    from bot.web.links import issue_link
    from storage.repositories.people import person_by_email

    runtime = open_runtime(config)
    upgrade_database(runtime)

    async def make() -> str | None:
        try:
            async with runtime.db.session() as session:
                person = await person_by_email(session, email)
            if person is None or not person.active:
                return None
            return await issue_link(runtime.db, runtime.config, person_id=person.id,  # type: ignore[arg-type]
                                    now=datetime.now(timezone.utc))
        finally:
            await runtime.close()

    url = run_async(make())
    if url is None:
        raise fail(f"No active person with the email {email!r}. `outcomebot import people.csv` adds people.")
    typer.echo(url)
