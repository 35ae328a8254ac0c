"""The `outcomebot` command (also `python -m bot`).

Each group of commands lives in its own module and registers itself on `app` here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from bot.logging_setup import apply_configured_level, configure_logging

# Only what `--help` needs is imported here; each command imports the rest when it runs
# (benchmarks/cli_startup.py measures it): SQLAlchemy, pydantic, Alembic, Jinja2, the Slack
# and Teams SDKs load only for the commands that use them.
CONFIG_ENV = "OUTCOMEBOT_CONFIG"  # bot.config.CONFIG_ENV, without importing pydantic for --help

app = typer.Typer(
    name="outcomebot",
    help="Continuous feedback cadences for outcome-based management, in Slack, Teams or a terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs more than the rest of `--help`
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

ConfigOption = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="app.yaml to use (default: $OUTCOMEBOT_CONFIG, else ./app.yaml)."),
]


DATABASE_URL_ENV = "OUTCOMEBOT_DATABASE_URL"


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def config_path(explicit: Path | None = None) -> Path:
    from bot.config import config_path as resolve

    return resolve(explicit)


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(an unreadable URL)"


# `--config` given before the subcommand (`outcomebot --config x.yaml status`); set per run.
_config_before_command: Path | None = None


def chosen_config(config: Path | None) -> Path | None:
    """The subcommand's --config, else the one given before the subcommand."""
    return config if config is not None else _config_before_command


def missing_config_problem(config: Path | None) -> str | None:
    """Why a command that opens the database must not run with this configuration path, if so:
    an explicit path that does not exist, or no ./app.yaml (which would silently create a new,
    empty database here) unless OUTCOMEBOT_DATABASE_URL names one."""
    path = config_path(config)
    if path.exists():
        return None
    if config is not None:
        return f"no app.yaml at {path}. Check --config, or run `outcomebot init --config {path}` to create one."
    if os.environ.get(DATABASE_URL_ENV):
        return None  # configured from the environment alone
    if os.environ.get(CONFIG_ENV):
        return (f"no app.yaml at {path} ({CONFIG_ENV}). Check it, or run `outcomebot init` with "
                f"{CONFIG_ENV} set to create one.")
    return (f"No app.yaml in {Path.cwd()}, so there is no database here to use. Run `outcomebot init` in the "
            "folder you set OutcomeBot up in (it writes app.yaml and creates the database), or pass --config PATH.")


def open_config(config: Path | None, *, required: bool = False):
    """The validated configuration, or exit with its error; opens no database (`status` on a
    SQLite file reads it without SQLAlchemy)."""
    from bot.config import ConfigError, load_config

    config = chosen_config(config)
    problem = missing_config_problem(config)
    if problem:
        raise fail(problem)
    try:
        loaded = load_config(config, required=required)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    apply_configured_level(loaded.log_level)
    return loaded


def unusable_database_url(exc: Exception) -> typer.Exit:
    return fail(f"The database URL cannot be used: {exc}. Set database_url in app.yaml or "
                "OUTCOMEBOT_DATABASE_URL to sqlite:///path/to/file.db or postgresql://user@host/db.")


def open_runtime(config: Path | None, *, required: bool = False):
    """Load configuration and open the database or exit with the error; never a traceback for a bad file."""
    from sqlalchemy.exc import ArgumentError

    from bot.runtime import Runtime

    loaded = open_config(config, required=required)
    try:
        return Runtime.of(loaded)
    except (ValueError, ArgumentError, ImportError) as exc:
        raise unusable_database_url(exc) from None


def upgrade_database(runtime) -> None:
    """Apply migrations, or exit saying which database could not be reached (password hidden)."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage import migrate

    url = runtime.config.resolved_database_url
    try:
        migrate.upgrade(url)
    except (SQLAlchemyError, OSError, ValueError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise fail(f"Cannot open the database {_shown_url(url)}: {reason}\n"
                   "Check database_url in app.yaml / OUTCOMEBOT_DATABASE_URL, and that the server is running.") from None


def run_async(coro):
    import asyncio

    return asyncio.run(coro)


def run_with_runtime(runtime, work):
    """`await work(runtime)` on a fresh event loop, the runtime closed afterwards whatever happens."""
    async def run():
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    return run_async(run())


@app.callback()
def _setup(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")] = False,
    config: ConfigOption = None,
) -> None:
    global _config_before_command
    _config_before_command = config
    configure_logging(verbose=verbose)


@app.command()
def init(
    config: ConfigOption = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing app.yaml.")] = False,
) -> None:
    """Write a starter app.yaml in the current directory and create the database next to it."""
    path = config_path(config if config is not None else _config_before_command)
    if path.exists() and not force:
        typer.echo(f"{path} already exists; keeping it (use --force to overwrite).")
    else:
        from storage.files import make_owner_only_directories

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
