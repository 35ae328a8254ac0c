"""Slack: the only package that imports slack_bolt / slack_sdk.

`wiring.build_slack(runtime)` gives `serve` the `POST /slack/events` route, the outbox
platform and (with SLACK_APP_TOKEN) Socket Mode. Inside: `app.SlackBot` (Bolt listeners →
router → intents), `platform.SlackPlatform` (outbox delivery), `home` (App Home), `sync`
(`outcomebot slack sync`), `blocks`/`modal` (Block Kit), `events` (payload translation).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, AsyncIterator

from bot.platforms import PlatformEntry
from cadences.chat_platforms import ChatAddressing

if TYPE_CHECKING:  # pragma: no cover  (storage.identities imports SQLModel: not for `--help`)
    from aiohttp import web

    from bot.runtime import Runtime
    from storage.identities import ChatIdentity
    from bot.slack.platform import SlackPlatform


def mount(app: "web.Application", runtime: "Runtime") -> "SlackPlatform | None":
    """For `serve`: add `POST /slack/events` (and Socket Mode) to `app`; the outbox platform."""
    from bot.slack.wiring import build_slack

    slack = build_slack(runtime)
    if slack is None:
        return None
    slack.attach(app)
    return slack.platform


@asynccontextmanager
async def outbound(runtime: "Runtime") -> AsyncIterator["SlackPlatform | None"]:
    """For `tick`: the outbox platform alone (no route, no Socket Mode), closed afterwards."""
    from bot.slack.wiring import build_slack

    slack = build_slack(runtime)
    if slack is None:
        yield None
        return
    try:
        yield slack.platform
    finally:
        await slack.bot.close()


def enabled(runtime: "Runtime") -> bool:
    return runtime.secrets.slack_enabled


def dm_address(identity: ChatIdentity) -> str | None:
    """A DM goes to the user id: chat.postMessage opens the bot's DM with them."""
    return identity.external_id or None


# The registry entry (bot.platforms).
PLATFORM = PlatformEntry(
    name="slack", surface="slack",
    configured_by="SLACK_BOT_TOKEN, with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)",
    enabled=enabled, mount=mount, outbound=outbound,
    addressing=ChatAddressing(
        name="slack", label="Slack", dm_address=dm_address,
        how_to_enable="set SLACK_BOT_TOKEN", how_to_link="run `outcomebot slack sync`",
    ),
)
