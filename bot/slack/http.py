"""`POST /slack/events` on the one aiohttp application: events, slash commands and
interactivity arrive here, are verified by Bolt (forged, missing or stale signature → 401,
nothing processed) and dispatched."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.signature import SignatureVerifier

from bot.slack.app import SlackBot

log = logging.getLogger(__name__)
SLACK_EVENTS_PATH = "/slack/events"


def _signed(bot: SlackBot, body: str, request: web.Request) -> bool:
    return SignatureVerifier(bot.signing_secret).is_valid_request(body, dict(request.headers))


def events_handler(bot: SlackBot):
    async def handle(request: web.Request) -> web.Response:
        try:
            response = await bot.app.async_dispatch(await to_bolt_request(request))
        except Exception as exc:  # a payload Bolt cannot read: never a 500 for a signed request
            if not _signed(bot, await request.text(), request):
                return web.Response(status=401, text="")
            log.warning("signed slack request Bolt could not handle (%s: %s); acknowledged", type(exc).__name__, exc)
            return web.Response(status=200, text="")
        if response.status == 404:
            # Signed, but nothing listens for it (an unknown payload type): acknowledge so
            # Slack does not retry it, and leave a trace.
            log.warning("signed slack request with nothing to handle it; acknowledged")
            return web.Response(status=200, text="")
        if response.status >= 500:
            # Bolt caught an error reading a signed payload (e.g. `actions` that is not a list).
            log.warning("signed slack request Bolt could not process (status %s); acknowledged", response.status)
            return web.Response(status=200, text="")
        return await to_aiohttp_response(response)

    return handle
