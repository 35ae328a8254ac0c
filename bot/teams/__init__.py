"""Microsoft Teams: the Bot Framework endpoint, proactive delivery, Adaptive Cards, the app package.

The only package that imports botbuilder. `build_teams(runtime)` returns the route to mount on
the web app and the `TeamsPlatform` the outbox sends through.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.platforms import PlatformEntry
from cadences.chat_platforms import ChatAddressing

if TYPE_CHECKING:  # storage's tables import SQLModel: not for `--help`
    from aiohttp import web

    from bot.runtime import Runtime
    from bot.teams.platform import TeamsPlatform
    from storage.identities import ChatIdentity
    from storage.team_channels import TeamChannel


def mount(app: "web.Application", runtime: "Runtime") -> "TeamsPlatform":
    """bot/server.py's platform hook: add `POST /api/messages`, return the outbox platform."""
    from bot.teams.endpoint import build_teams

    wiring = build_teams(runtime)
    wiring.mount(app)
    return wiring.platform


@asynccontextmanager
async def outbound(runtime: "Runtime") -> AsyncIterator["TeamsPlatform"]:
    """bot/server.py's hook for `outcomebot tick`: the outbox platform alone."""
    from bot.teams.endpoint import outbound_platform

    yield outbound_platform(runtime)


def enabled(runtime: "Runtime") -> bool:
    return runtime.secrets.teams_enabled or runtime.config.teams_allow_unauthenticated


def _conversation_id(reference: Any) -> str | None:
    return str(((reference or {}).get("conversation") or {}).get("id") or "") or None


def dm_address(identity: ChatIdentity) -> str | None:
    """The personal chat's conversation id (the bot learns it when the person installs the app)."""
    return _conversation_id(identity.conversation_ref)


def channel_address(channel: TeamChannel) -> str | None:
    """A channel is reached through the reference the bot learnt when installed in the team."""
    return _conversation_id(channel.reference)


def configured_channel(stored: TeamChannel, channel_id: str) -> TeamChannel | None:
    """app.yaml's Teams channel id: posting there also needs the service URL and tenant the bot
    learns when it is installed in the team, so the id only replaces the one in a stored
    reference; before the install there is nothing to store."""
    reference = stored.reference
    if not reference:
        return None
    return replace(stored, address=channel_id,
                   reference={**reference, "conversation": {**(reference.get("conversation") or {}), "id": channel_id}})


# The registry entry (bot.platforms).
PLATFORM = PlatformEntry(
    name="teams", surface="teams",
    configured_by="TEAMS_APP_ID and TEAMS_APP_PASSWORD (TEAMS_APP_TENANT_ID when single-tenant)",
    enabled=enabled, mount=mount, outbound=outbound,
    addressing=ChatAddressing(
        name="teams", label="Teams", dm_address=dm_address, channel_address=channel_address,
        configured_channel=configured_channel,
        how_to_enable="set TEAMS_APP_ID", how_to_link="have them install the Teams app",
    ),
)
