"""`outcomebot teams package`: the zip to upload to Microsoft Teams (manifest and icons)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from bot.cli import ConfigOption, app, fail

teams_app = typer.Typer(help="Microsoft Teams: the app package.", no_args_is_help=True)
app.add_typer(teams_app, name="teams")


PUBLISHER_FIELDS = (  # option name, app.yaml publisher key, question
    ("developer", "name", "Who publishes the app (your organisation's name, shown in Teams)"),
    ("website_url", "website_url", "An https:// page about the app"),
    ("privacy_url", "privacy_url", "Your https:// privacy statement"),
    ("terms_url", "terms_url", "Your https:// terms of use"),
)


def _publisher(config: Path | None, given: dict[str, str | None]) -> dict[str, str]:
    """Each publisher detail from its option, else app.yaml's `publisher:`, else asked (in a
    terminal), else an error naming what is missing — never a placeholder company."""
    from bot.cli import chosen_config
    from bot.config import ConfigError, config_path, load_config

    found: dict[str, str] = {}
    path = config_path(chosen_config(config))
    publisher = None
    if path.exists():
        try:
            publisher = load_config(path).publisher
        except ConfigError as exc:
            raise fail(str(exc)) from None
    missing = []
    for option, key, question in PUBLISHER_FIELDS:
        value = given.get(option) or (getattr(publisher, key) if publisher else None)
        if not value and sys.stdin.isatty():
            value = typer.prompt(question).strip()
        if value:
            found[option] = value
        else:
            missing.append(f"--{option.replace('_', '-')} (app.yaml publisher.{key})")
    if missing:
        raise fail("The Teams package needs who publishes it. Give " + ", ".join(missing)
                   + ", or put them under `publisher:` in app.yaml.")
    return found


@teams_app.command("package")
def package(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the zip.")] = Path("outcomebot-teams.zip"),
    app_id: Annotated[
        Optional[str], typer.Option("--app-id", help="The Azure Bot's Microsoft App ID (default: $TEAMS_APP_ID).")
    ] = None,
    name: Annotated[str, typer.Option(help="The app's short name in Teams (at most 30 characters).")] = "OutcomeBot",
    developer: Annotated[Optional[str], typer.Option(help="Who publishes the app (default: app.yaml publisher.name).")] = None,
    website_url: Annotated[Optional[str], typer.Option(help="https:// page about the app (publisher.website_url).")] = None,
    privacy_url: Annotated[Optional[str], typer.Option(help="https:// privacy statement (publisher.privacy_url).")] = None,
    terms_url: Annotated[Optional[str], typer.Option(help="https:// terms of use (publisher.terms_url).")] = None,
    version: Annotated[str, typer.Option(help="The package version; raise it for every re-upload.")] = "0.1.0",
    config: ConfigOption = None,
) -> None:
    """Write the Teams app package (manifest.json, color.png, outline.png) as a zip to upload.
    Who publishes it comes from the options, else app.yaml's `publisher:`, else is asked."""
    from bot.teams.package import AppListing, PackageError, write_package

    publisher = _publisher(config, {"developer": developer, "website_url": website_url, "privacy_url": privacy_url,
                                    "terms_url": terms_url})
    listing = AppListing(
        app_id=(app_id or os.environ.get("TEAMS_APP_ID") or "").strip(),
        version=version,
        short_name=name,
        developer_name=publisher["developer"],
        website_url=publisher["website_url"],
        privacy_url=publisher["privacy_url"],
        terms_url=publisher["terms_url"],
    )
    try:
        path = write_package(listing, output)
    except PackageError as exc:
        raise fail(f"Cannot build the Teams package: {exc}") from None
    except OSError as exc:
        raise fail(f"Cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"Wrote {path}. Upload it in Teams: Apps → Manage your apps → Upload an app.")
