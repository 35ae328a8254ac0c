"""Microsoft Teams: the Bot Framework endpoint, proactive delivery, Adaptive Cards, the app package.

The only package that imports botbuilder. `build_teams(runtime)` returns the route to mount on
the web app and the `TeamsPlatform` the outbox sends through.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from bot.runtime import Runtime
    from bot.teams.platform import TeamsPlatform


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
