"""`outcomebot token create|list|revoke` (API tokens) and `outcomebot sources check`."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum
from typing import Annotated

import typer

from bot.cli import ConfigOption, app, fail, open_runtime, run_with_runtime, upgrade_database

token_app = typer.Typer(help="API tokens for /api/v1/ (the secret is shown once).", no_args_is_help=True)
sources_app = typer.Typer(help="Pull sources declared in okrs.yaml.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(sources_app, name="sources")


class Scope(StrEnum):
    read = "key-results:read"
    write = "key-results:write"
    admin = "admin"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _run(config, work):
    from storage.repositories.tokens import TokenError  # imported when a command runs: `--help` stays fast

    runtime = open_runtime(config)
    upgrade_database(runtime)
    try:
        return run_with_runtime(runtime, work)
    except TokenError as exc:
        raise fail(str(exc)) from None


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. jira-sync.", show_default=False)],
    scope: Annotated[Scope, typer.Option(help="What it may do: read, write values, or admin (also check-in text).")],
    config: ConfigOption = None,
) -> None:
    """Create a token and print its secret — the only time it is shown."""
    from storage.repositories.tokens import create_token

    async def work(runtime):
        async with runtime.db.transaction() as session:
            return await create_token(session, name, scope.value, _now())

    secret = _run(config, work)
    typer.echo(f"Token {name.strip()!r} ({scope.value}) created. Copy it now; it is not shown again:")
    typer.echo(secret)


@token_app.command("list")
def token_list(config: ConfigOption = None) -> None:
    """Every token with its scope, creation, last use and whether it is revoked (never the secret)."""
    from storage.repositories.tokens import list_tokens

    async def work(runtime):
        async with runtime.db.session() as session:
            return await list_tokens(session)

    tokens = _run(config, work)
    if not tokens:
        typer.echo("No API tokens yet. Create one: outcomebot token create NAME --scope key-results:write")
    for token in tokens:
        used = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "never used"
        state = f"revoked {token.revoked_at.isoformat(timespec='minutes')}" if token.revoked_at else "active"
        typer.echo(f"{token.name}  {token.scope}  created {token.created_at.isoformat(timespec='minutes')}  "
                   f"last used {used}  {state}")


@token_app.command("revoke")
def token_revoke(
    name: Annotated[str, typer.Argument(help="The token's name (see `token list`).", show_default=False)],
    config: ConfigOption = None,
) -> None:
    """Revoke a token: its next request gets 401."""
    from storage.repositories.tokens import revoke_token

    async def work(runtime):
        async with runtime.db.transaction() as session:
            await revoke_token(session, name, _now())

    _run(config, work)
    typer.echo(f"Token {name.strip()!r} is revoked.")


@sources_app.command("check")
def sources_check(config: ConfigOption = None) -> None:
    """Fetch every pull source once and print what each returned, storing nothing."""
    import os

    from cadences.sources.runner import SourceRunner

    async def work(runtime):
        return await SourceRunner(runtime.db, os.environ).check_all(_now())

    results = _run(config, work)
    if not results:
        typer.echo("No key result has a source yet; add `source:` to one in okrs.yaml and import it.")
    for result in results:
        typer.echo(result.line())
    if any(result.error for result in results):
        raise typer.Exit(1)
