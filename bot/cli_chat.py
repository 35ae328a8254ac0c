"""`outcomebot chat --as EMAIL` (the terminal adapter) and `outcomebot start`."""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

from bot.cli import ConfigOption, app, chosen_config, config_path, init, open_runtime, run_async, upgrade_database

AsOption = Annotated[Optional[str], typer.Option("--as", help="Your email, as imported from people.csv.")]
TOKENS = ("SLACK_BOT_TOKEN", "TEAMS_APP_ID")


def _chat(config, email: str | None, *, load_samples_if_empty: bool) -> int:
    from bot.console.io import terminal_reader
    from bot.console.launch import chat_in_terminal

    runtime = open_runtime(config)
    upgrade_database(runtime)

    async def run() -> int:
        try:
            return await chat_in_terminal(
                runtime.config, runtime.db, email=email, read=terminal_reader(), write=typer.echo,
                load_samples_if_empty=load_samples_if_empty,
                terminal_only=not (runtime.secrets.slack_bot_token or runtime.secrets.teams_app_id),
            )
        finally:
            await runtime.close()

    try:
        return run_async(run())
    except KeyboardInterrupt:
        typer.echo("\nBye!")
        return 0


@app.command()
def chat(as_: AsOption = None, config: ConfigOption = None) -> None:
    """Talk to the bot in this terminal as one person (every chat command works here)."""
    raise typer.Exit(_chat(config, as_, load_samples_if_empty=False))


@app.command()
def start(as_: AsOption = None, config: ConfigOption = None) -> None:
    """Set up if needed, then serve Slack/Teams when their tokens are set, else chat in the terminal."""
    path = config_path(chosen_config(config))
    if not path.exists():
        init(config=path, force=False)
    if any(os.environ.get(name) for name in TOKENS):
        serve = next((c for c in app.registered_commands if (c.name or c.callback.__name__) == "serve"), None)
        if serve is None:
            typer.echo("Slack or Teams tokens are set, but this build has no `serve` command yet.")
            raise typer.Exit(1)
        typer.main.get_command(app).main(["serve", "--config", str(path)], standalone_mode=False)
        return
    typer.echo(
        "No SLACK_BOT_TOKEN or TEAMS_APP_ID in the environment, so OutcomeBot runs in this terminal. "
        "Set them (see README) and run `outcomebot start` again to serve Slack or Teams."
    )
    raise typer.Exit(_chat(path, as_, load_samples_if_empty=True))
