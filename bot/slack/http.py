"""`POST /slack/events` on the one aiohttp application: events, slash commands and
interactivity arrive here, are verified by Bolt (forged, missing or stale signature → 401,
nothing processed) and dispatched."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

from bot.slack.app import SlackBot

log = logging.getLogger(__name__)
SLACK_EVENTS_PATH = "/slack/events"


def events_handler(bot: SlackBot):
    async def handle(request: web.Request) -> web.Response:
        response = await bot.app.async_dispatch(await to_bolt_request(request))
        if response.status == 404:
            # Signed, but nothing listens for it (an unknown payload type): acknowledge so
            # Slack does not retry it, and leave a trace.
            log.warning("signed slack request with nothing to handle it; acknowledged")
            return web.Response(status=200, text="")
        return await to_aiohttp_response(response)

    return handle


def slack_routes(bot: SlackBot) -> list[tuple[str, str, object]]:
    return [("POST", SLACK_EVENTS_PATH, events_handler(bot))]


def mount(app: web.Application, bot: SlackBot) -> None:
    app.router.add_post(SLACK_EVENTS_PATH, events_handler(bot))
