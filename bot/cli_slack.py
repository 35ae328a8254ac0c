"""`outcomebot slack …`: Slack maintenance commands."""

from __future__ import annotations

import typer

from bot.cli import ConfigOption, app, fail, open_runtime, run_async

slack_app = typer.Typer(help="Slack workspace maintenance.", no_args_is_help=True)
app.add_typer(slack_app, name="slack")


@slack_app.command("sync")
def sync(config: ConfigOption = None) -> None:
    """Match Slack accounts to imported people by email; store their Slack ids and timezones."""
    runtime = open_runtime(config)
    if runtime.secrets.slack_bot_token is None:
        raise fail("SLACK_BOT_TOKEN is not set: export the bot token (xoxb-…) from your Slack app's "
                   "OAuth & Permissions page, then run this again.")
    from bot.slack.sync import sync_workspace

    try:
        report = run_async(sync_workspace(runtime))
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
        raise fail(f"Slack sync failed: {exc}") from None
    typer.echo(report.summary())
