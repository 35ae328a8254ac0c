"""`outcomebot doctor`'s Slack checks: the token and its scopes, the secrets, the channels."""

from __future__ import annotations

from pathlib import Path

import yaml
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.doctor import Finding, ok, problem
from bot.slack.client import close_session, make_web_client, shared_session
from storage.repositories.setup_facts import team_channels

MANIFEST = Path(__file__).with_name("manifest.yaml")
REINSTALL = ("add the missing scopes (paste bot/slack/manifest.yaml again under *App Manifest*), then *Install App → "
             "Reinstall to Workspace* and put the new Bot User OAuth Token in SLACK_BOT_TOKEN")


def manifest_scopes() -> set[str]:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return set(manifest["oauth_config"]["scopes"]["bot"])


def _error(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return f"{type(exc).__name__}: {exc}"


async def checks(runtime, session) -> list[Finding]:
    secrets = runtime.secrets
    findings: list[Finding] = []
    if secrets.slack_bot_token is None:
        return [problem("Slack token", "SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not",
                        "set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) from *OAuth & Permissions*")]
    client = make_web_client(token=secrets.slack_bot_token.get_secret_value(), base_url=runtime.config.slack_api_url)
    await shared_session(client)
    try:
        token = await _token(client)
        findings.append(token)
        if secrets.slack_app_token is not None:
            findings.append(await _socket_mode(client, secrets.slack_app_token.get_secret_value()))
        elif secrets.slack_signing_secret is None:
            findings.append(problem(
                "Slack signing secret", "neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) "
                "is set, so every request from Slack would be refused",
                "set SLACK_SIGNING_SECRET from *Basic Information → App Credentials*"))
        else:
            findings.append(ok("Slack signing secret", "set (HTTP mode: Slack posts to /slack/events)"))
        if token.ok:
            stored = await team_channels(session)
            for team, channels in sorted(runtime.config.channels.teams.items()):
                stored_channel = stored.get(team, {}).get("slack")
                channel = channels.slack or (stored_channel.address if stored_channel is not None else None)
                if channel:
                    findings.append(await _channel(client, team, channel))
    finally:
        await close_session(client)
    return findings


async def _token(client: AsyncWebClient) -> Finding:
    try:
        response = await client.auth_test()
    except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
        return problem("Slack token", f"auth.test failed: {_error(exc)}",
                       "copy the Bot User OAuth Token (xoxb-…) from *OAuth & Permissions* into SLACK_BOT_TOKEN; if "
                       "the app was uninstalled, install it again")
    granted = {scope.strip() for scope in (response.headers.get("x-oauth-scopes") or "").split(",") if scope.strip()}
    missing = sorted(manifest_scopes() - granted)
    where = f"bot {response.get('user')} in workspace {response.get('team')}"
    if missing:
        return problem("Slack token", f"valid ({where}) but missing scopes: {', '.join(missing)}", REINSTALL)
    return ok("Slack token", f"valid ({where}) with every scope the manifest asks for")


async def _socket_mode(client: AsyncWebClient, app_token: str) -> Finding:
    try:
        await client.apps_connections_open(app_token=app_token)
    except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
        return problem("Slack Socket Mode", f"SLACK_APP_TOKEN does not open a connection: {_error(exc)}",
                       "enable Socket Mode and create an App-Level Token with connections:write "
                       "(*Basic Information → App-Level Tokens*); put it (xapp-…) in SLACK_APP_TOKEN")
    return ok("Slack Socket Mode", "SLACK_APP_TOKEN opens a connection")


async def _channel(client: AsyncWebClient, team: str, channel: str) -> Finding:
    check = f"Slack channel of {team}"
    try:
        response = await client.conversations_info(channel=channel)
    except SlackApiError as exc:
        error = _error(exc)
        if error == "channel_not_found":
            return problem(check, f"{channel} does not exist or the bot cannot see it",
                           f"put the channel's id (from its *About* tab) under channels.teams.{team}.slack in "
                           "app.yaml; for a private channel invite the bot first")
        if error == "missing_scope":
            return problem(check, f"cannot look up {channel}: the token lacks channels:read", REINSTALL)
        return problem(check, f"cannot look up {channel}: {error}", "run `outcomebot doctor` again; if it persists, "
                       "check Slack's status page")
    except (SlackClientError, OSError, TimeoutError) as exc:
        return problem(check, f"cannot look up {channel}: {_error(exc)}", "check the network path to Slack")
    info = response.get("channel") or {}
    name = f"#{info.get('name')}" if info.get("name") else channel
    if info.get("is_archived"):
        return problem(check, f"{name} is archived",
                       f"unarchive it or choose another under channels.teams.{team}.slack")
    if not info.get("is_member"):
        return problem(check, f"{name} exists but the bot is not in it", f"in {name} type `/invite @OutcomeBot`")
    return ok(check, f"{name} exists and the bot is in it")
