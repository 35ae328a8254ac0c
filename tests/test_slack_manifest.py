"""The Slack app manifest matches what the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = yaml.safe_load((ROOT / "bot/slack/manifest.yaml").read_text(encoding="utf-8"))


def test_manifest_offers_every_chat_command_on_the_one_events_url() -> None:
    commands = {c["command"]: c["url"] for c in MANIFEST["features"]["slash_commands"]}
    assert set(commands) == {"/okrs", "/checkin", "/win", "/blockers", "/outcomes", "/dashboard"}
    urls = set(commands.values()) | {MANIFEST["settings"]["event_subscriptions"]["request_url"],
                                     MANIFEST["settings"]["interactivity"]["request_url"]}
    assert urls == {"https://outcomebot.example.com/slack/events"}


def test_manifest_subscribes_to_the_events_the_bot_listens_for() -> None:
    source = (ROOT / "bot/slack/app.py").read_text(encoding="utf-8")
    listened = set(re.findall(r'app\.event\("([a-z_]+)"\)', source))
    subscribed = {e.split(".")[0] for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"]}
    assert subscribed == listened


def test_manifest_asks_only_for_the_scopes_the_bot_uses() -> None:
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == {
        "channels:read", "chat:write", "commands", "im:history", "users:read", "users:read.email"}
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True


def test_slack_manifest_command_fills_in_every_url() -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    result = CliRunner().invoke(app, ["slack", "manifest", "--url", "https://bot.example.com/"])
    assert result.exit_code == 0, result.output
    filled = yaml.safe_load(result.stdout)
    urls = {c["url"] for c in filled["features"]["slash_commands"]} | {
        filled["settings"]["event_subscriptions"]["request_url"], filled["settings"]["interactivity"]["request_url"]}
    assert urls == {"https://bot.example.com/slack/events"} and "outcomebot.example.com" not in result.stdout
    assert filled["oauth_config"] == MANIFEST["oauth_config"]
    refused = CliRunner().invoke(app, ["slack", "manifest", "--url", "http://bot.example.com"])
    assert refused.exit_code == 2 and "https://host" in refused.stderr
    socket = yaml.safe_load(CliRunner().invoke(app, ["slack", "manifest", "--socket-mode"]).stdout)
    assert socket["settings"]["socket_mode_enabled"] is True
