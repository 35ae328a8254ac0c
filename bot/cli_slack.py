"""`outcomebot slack …`: Slack maintenance commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional
from urllib.parse import urlsplit

import typer

from bot.cli import ConfigOption, app, fail, open_runtime, run_async

MANIFEST = Path(__file__).parent / "slack" / "manifest.yaml"
PLACEHOLDER = "https://outcomebot.example.com"

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


def filled_manifest(base_url: str, *, socket_mode: bool = False) -> str:
    """The app manifest with every URL pointing at `base_url` (comments kept, so it reads the same)."""
    text = MANIFEST.read_text(encoding="utf-8").replace(
        f"# HTTP mode: replace every {PLACEHOLDER} with your public base URL.\n",
        f"# URLs filled in for {base_url} by `outcomebot slack manifest`.\n",
    ).replace(PLACEHOLDER, base_url)
    if socket_mode:
        text = text.replace("socket_mode_enabled: false", "socket_mode_enabled: true")
    return text


def _base_url(url: str) -> str | None:
    parts = urlsplit(url.strip())
    local = parts.hostname in ("localhost", "127.0.0.1")
    if parts.scheme not in ("https", "http") or not parts.hostname or (parts.scheme == "http" and not local):
        return None
    if parts.query or parts.fragment:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


@slack_app.command("manifest")
def manifest(
    url: Annotated[Optional[str], typer.Option("--url", help="Your public base URL, e.g. https://bot.example.com.")] = None,
    socket_mode: Annotated[bool, typer.Option("--socket-mode", help="For Socket Mode (no public URL needed).")] = False,
) -> None:
    """Print the Slack app manifest with every URL filled in, to paste at api.slack.com/apps."""
    if url is None and not socket_mode:
        raise fail("Give the public base URL Slack will call, e.g. `outcomebot slack manifest --url "
                   "https://bot.example.com` (or --socket-mode when the bot connects out with SLACK_APP_TOKEN).", code=2)
    base = _base_url(url) if url is not None else PLACEHOLDER
    if base is None:
        raise fail(f"{url!r} is not a base URL Slack can call: use https://host[/path] (http only for localhost).", code=2)
    typer.echo(filled_manifest(base, socket_mode=socket_mode), nl=False)
