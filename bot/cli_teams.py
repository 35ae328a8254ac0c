"""`outcomebot teams package`: the zip to upload to Microsoft Teams (manifest and icons)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from bot.cli import app, fail
from bot.teams.package import AppListing, PackageError, write_package

teams_app = typer.Typer(help="Microsoft Teams: the app package.", no_args_is_help=True)
app.add_typer(teams_app, name="teams")


@teams_app.command("package")
def package(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the zip.")] = Path("outcomebot-teams.zip"),
    app_id: Annotated[
        Optional[str], typer.Option("--app-id", help="The Azure Bot's Microsoft App ID (default: $TEAMS_APP_ID).")
    ] = None,
    name: Annotated[str, typer.Option(help="The app's short name in Teams (at most 30 characters).")] = "OutcomeBot",
    developer: Annotated[str, typer.Option(help="Who publishes the app, shown in Teams.")] = "Our company",
    website_url: Annotated[str, typer.Option(help="https:// page about the app.")] = "https://example.com/outcomebot",
    privacy_url: Annotated[str, typer.Option(help="https:// privacy statement.")] = "https://example.com/outcomebot/privacy",
    terms_url: Annotated[str, typer.Option(help="https:// terms of use.")] = "https://example.com/outcomebot/terms",
    version: Annotated[str, typer.Option(help="The package version; raise it for every re-upload.")] = "0.1.0",
) -> None:
    """Write the Teams app package (manifest.json, color.png, outline.png) as a zip to upload."""
    listing = AppListing(
        app_id=(app_id or os.environ.get("TEAMS_APP_ID") or "").strip(),
        version=version,
        short_name=name,
        developer_name=developer,
        website_url=website_url,
        privacy_url=privacy_url,
        terms_url=terms_url,
    )
    try:
        path = write_package(listing, output)
    except PackageError as exc:
        raise fail(f"Cannot build the Teams package: {exc}") from None
    except OSError as exc:
        raise fail(f"Cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"Wrote {path}. Upload it in Teams: Apps → Manage your apps → Upload an app.")
