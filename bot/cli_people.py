"""`outcomebot people list|deactivate|activate`: people who leave and join.

Deactivating stops someone's cadences and takes them out of digests, keeping their history
(storage.repositories.people_admin); `activate` brings them back with fresh prompt times.
The people CSV's optional `active` column does the same on import.
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli import ConfigOption, app, fail, open_runtime, run_with_runtime

people_app = typer.Typer(help="People who leave and join: list, deactivate, activate.", no_args_is_help=True)
app.add_typer(people_app, name="people")
NO_TABLES_HINT = "The database is not ready ({error}). Run `outcomebot db upgrade` (or `outcomebot init`) first."


def _run(config, work):
    from sqlalchemy.exc import DBAPIError

    runtime = open_runtime(config)
    try:
        return run_with_runtime(runtime, work)
    except DBAPIError as exc:
        raise fail(NO_TABLES_HINT.format(error=str(exc.orig).splitlines()[0])) from None


@people_app.command("list")
def list_people(
    config: ConfigOption = None,
    all_: Annotated[bool, typer.Option("--all", help="Also list people who were deactivated.")] = False,
) -> None:
    """Everyone the bot checks in with: email, name, team, manager and timezone."""
    from storage.repositories.people_admin import people_lines

    async def work(runtime):
        async with runtime.db.session() as session:
            return await people_lines(session, include_inactive=all_)

    lines = _run(config, work)
    if not lines:
        typer.echo("Nobody yet. Import people with `outcomebot import people.csv`.")
        return
    for line in lines:
        inactive = "  (deactivated)" if not line.active else ""
        typer.echo(f"{line.email:<32} {line.name:<24} {line.team or '-':<16} {line.manager_email or '-':<32} "
                   f"{line.timezone}{inactive}".rstrip())
    active = sum(1 for line in lines if line.active)
    typer.echo(f"{active} active" + (f", {len(lines) - active} deactivated" if len(lines) > active else ""))


@people_app.command("deactivate")
def deactivate(email: Annotated[str, typer.Argument(help="Who left.", show_default=False)],
               config: ConfigOption = None) -> None:
    """Stop someone's check-ins and take them out of digests; their history is kept."""
    _change(email, config, active=False)


@people_app.command("activate")
def activate(email: Annotated[str, typer.Argument(help="Who is back.", show_default=False)],
             config: ConfigOption = None) -> None:
    """Bring a deactivated person back: their check-ins start again from the next prompt."""
    _change(email, config, active=True)


def _change(email: str, config, *, active: bool) -> None:
    from storage.models import utcnow
    from storage.repositories.people import person_by_email
    from storage.repositories.people_admin import active_reports, set_active

    async def work(runtime):
        async with runtime.db.transaction() as session:
            person = await person_by_email(session, email)
            if person is None:
                return None, None, [], email
            was = person.active
            await set_active(session, person, active)
            reports = await active_reports(session, person.id) if not active else []
            name, person_id, stored_email = person.name, person.id, person.email
        if active and not was:
            from bot.ticker import planner_settings
            from cadences.planner import Planner

            await Planner(runtime.db, planner_settings(runtime.config)).replan([person_id], utcnow())
        return name, was, [r.email for r in reports], stored_email

    name, was, reports, email = _run(config, work)
    if name is None:
        raise fail(f"Nobody with the email {email} is known. `outcomebot people list --all` shows everyone.")
    if was == active:
        typer.echo(f"{name} ({email}) is already {'active' if active else 'deactivated'}; nothing changed.")
        return
    if active:
        typer.echo(f"{name} ({email}) is active again; check-ins start from their next prompt.")
        return
    typer.echo(f"Deactivated {name} ({email}): no more check-ins, reminders or digest lines; their history is kept.")
    if reports:
        typer.echo(f"{len(reports)} people still report to them ({', '.join(reports)}). Give them a new manager in "
                   "the people CSV (manager_email) and import it again.")
