"""`POST /slack/events` on the one aiohttp application: events, slash commands and
interactivity arrive here, are verified (forged, missing, garbled or stale signature or
timestamp, or a body that is not UTF-8 → 401, nothing processed; with no signing secret
configured every request is refused) and dispatched to Bolt. Reading and checking a request
is bounded (size, time, how many at once): bot/http_limits.py.

The signature is checked here, once, on the raw body (Bolt's own HTTP verification is off:
`SlackBot` creates its app with `request_verification_enabled=False`; Socket Mode needs
none). Interactivity arrives as `payload=<url-encoded JSON>`: it is decoded here with yarl's
C unquoter and handed to Bolt as the JSON document it is, because Python's `parse_qsl` on a
modal submission cost more than everything else Bolt does with it.
"""

from __future__ import annotations

import logging

from aiohttp import web
from multidict import CIMultiDict
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from yarl import URL

from bot import http_limits
from bot.slack.app import SlackBot

log = logging.getLogger(__name__)
SLACK_EVENTS_PATH = "/slack/events"
_FORM = "application/x-www-form-urlencoded"


def _signed(verifier: SignatureVerifier | None, body: str, request: web.Request) -> bool:
    if verifier is None:  # no signing secret: nobody can sign
        return False
    headers = request.headers
    try:
        return verifier.is_valid(body, headers.get("X-Slack-Request-Timestamp"), headers.get("X-Slack-Signature"))
    except (ValueError, TypeError):
        # A timestamp that is not a number (int() fails) or a signature that is not ASCII
        # (hmac.compare_digest refuses it): not signed by Slack, so refused like a forgery.
        return False


def bolt_request(body: str, request: web.Request) -> AsyncBoltRequest:
    """The verified request for Bolt; an interactivity payload as JSON (same document)."""
    headers = request.headers
    if request.content_type == _FORM and body.startswith("payload="):
        form = URL.build(query_string=body, encoded=True).query
        payload = form.get("payload")
        if payload is not None and len(form) == 1:
            headers = CIMultiDict(headers)
            headers["Content-Type"] = "application/json"
            body = payload
    return AsyncBoltRequest(body=body, query=request.query_string, headers=headers)  # type: ignore[arg-type]


def events_handler(bot: SlackBot):
    verifier = SignatureVerifier(bot.signing_secret) if bot.signing_secret else None

    async def handle(request: web.Request) -> web.Response:
        limits = http_limits.limits_of(request)
        try:
            async with limits.admitted():  # bounded until the signature is checked (bot/http_limits.py)
                raw = await limits.read_body(request)
        except http_limits.Refused as refused:
            return refused.response
        try:
            body = raw.decode(request.charset or "utf-8")
        except (UnicodeDecodeError, LookupError):  # Slack sends UTF-8; not this, or an unknown charset
            return web.Response(status=401, text="")
        if not _signed(verifier, body, request):
            return web.Response(status=401, text="")
        try:
            response = await bot.app.async_dispatch(bolt_request(body, request))
        except Exception as exc:  # a payload Bolt cannot read: never a 500 for a signed request
            # The type only: an error's message may quote the payload (people's words).
            log.warning("signed slack request Bolt could not handle (%s); acknowledged", type(exc).__name__)
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
