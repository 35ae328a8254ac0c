"""The `outcomebot` command (also `python -m bot`).

Each group of commands lives in its own module and registers itself on `app` here.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Optional

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.config import ConfigError, config_path, load_config
from bot.logging_setup import apply_configured_level, configure_logging
from storage import migrate
from storage.files import make_owner_only_directories

app = typer.Typer(
    name="outcomebot",
    help="Continuous feedback cadences for outcome-based management, in Slack, Teams or a terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

ConfigOption = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="app.yaml to use (default: $OUTCOMEBOT_CONFIG, else ./app.yaml)."),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _shown_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(an unreadable URL)"


def open_runtime(config: Path | None, *, required: bool = False):
    """Load configuration or exit with its error; never a traceback for a bad file."""
    from bot.runtime import Runtime

    try:
        runtime = Runtime.open(config, required=required)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    except (ValueError, ArgumentError, ImportError) as exc:
        raise fail(f"The database URL cannot be used: {exc}. Set database_url in app.yaml or "
                   "OUTCOMEBOT_DATABASE_URL to sqlite:///path/to/file.db or postgresql://user@host/db.") from None
    apply_configured_level(runtime.config.log_level)
    return runtime


def upgrade_database(runtime) -> None:
    """Apply migrations, or exit saying which database could not be reached (password hidden)."""
    url = runtime.config.resolved_database_url
    try:
        migrate.upgrade(url)
    except (SQLAlchemyError, OSError, ValueError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise fail(f"Cannot open the database {_shown_url(url)}: {reason}\n"
                   "Check database_url in app.yaml / OUTCOMEBOT_DATABASE_URL, and that the server is running.") from None


def run_async(coro):
    return asyncio.run(coro)


@app.callback()
def _setup(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")] = False) -> None:
    configure_logging(verbose=verbose)


@app.command()
def init(
    config: ConfigOption = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing app.yaml.")] = False,
) -> None:
    """Write a starter app.yaml in the current directory and create the database next to it."""
    path = config_path(config)
    if path.exists() and not force:
        typer.echo(f"{path} already exists; keeping it (use --force to overwrite).")
    else:
        make_owner_only_directories(path.parent)  # the database goes next to app.yaml
        path.write_text((Path(__file__).parent / "starter_app.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        typer.echo(f"Wrote {path}")
    runtime = open_runtime(path, required=True)
    upgrade_database(runtime)
    typer.echo("Database is ready. Next: `outcomebot import people.csv`, then `outcomebot import okrs.yaml`.")


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Apply all database migrations (safe to run repeatedly)."""
    runtime = open_runtime(config)
    upgrade_database(runtime)
    typer.echo("Database is up to date.")


def main() -> None:
    app()


# Command groups register themselves on `app` when imported.
from bot import cli_commands  # noqa: E402,F401
