"""`POST /api/messages`: the Bot Framework endpoint, a thin adapter around botbuilder's CloudAdapter.

Bad requests never become a 500. The token is checked before the activity is deserialised
(botbuilder's deserialiser raises on a bad `timestamp` or a non-list `entities`): a missing or
malformed token is 401 whatever the body holds; then a non-JSON body is 415/400 and a body
that is not a well-formed Bot Framework activity is 400 with the reason.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError, SerializationError

from bot import http_limits
from bot.teams.activity_handler import Dispatch, OutcomeTeamsBot
from bot.teams.auth import NotAuthorized, RequestAuthenticator, SigningKeysUnavailable, TeamsCredentials
from bot.teams.cards import TeamsCards, card_activity, text_card
from bot.teams.platform import TeamsPlatform

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
TURN_FAILED = "Sorry, something went wrong on my side and nothing was saved. Please try again in a minute."


def _unauthorized(reason: str) -> web.Response:
    log.info("Teams: rejected a request to %s (%s)", MESSAGES_PATH, reason)
    return web.json_response({"error": "unauthorized: a valid Bot Framework token is required"}, status=401)


def _malformed(reason: str) -> web.Response:
    log.info("Teams: rejected a malformed activity (%s)", reason)
    return web.json_response({"error": f"not a valid Bot Framework activity: {reason}"}, status=400)


class MalformedActivity(Exception):
    """The body is not a Bot Framework activity the bot can process; answer 400."""


def envelope(body: Any) -> Activity:
    """Just what token validation reads, so nothing else of the unauthenticated body is parsed."""
    fields = body if isinstance(body, dict) else {}
    channel_id, service_url = fields.get("channelId"), fields.get("serviceUrl")
    return Activity(
        channel_id=channel_id if isinstance(channel_id, str) else None,
        service_url=service_url if isinstance(service_url, str) else None,
    )


def activity_from(body: Any) -> Activity:
    """The authenticated body as an Activity the bot can answer, or MalformedActivity."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        raise MalformedActivity("no activity type")
    if not isinstance(body.get("serviceUrl"), str) or not body["serviceUrl"].startswith(("http://", "https://")):
        raise MalformedActivity("serviceUrl must be an http(s) URL")
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str) or not conversation["id"]:
        raise MalformedActivity("conversation.id is missing")
    try:
        return Activity().deserialize(body)
    except DeserializationError:
        # msrest's message quotes the offending value (maybe a person's text): not echoed.
        raise MalformedActivity("a field has the wrong type or format (e.g. timestamp, entities)") from None


@dataclass
class TeamsEndpoint:
    adapter: CloudAdapter
    authenticator: RequestAuthenticator
    bot: OutcomeTeamsBot

    async def handle(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization")
        try:
            self.authenticator.check_header(header)
        except NotAuthorized as exc:
            return _unauthorized(str(exc))
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "send the activity as application/json"}, status=415)
        limits = http_limits.limits_of(request)
        try:
            async with limits.admitted():  # bounded until the token is checked (bot/http_limits.py)
                body, authenticated = await self.read_and_authenticate(limits, request, header)
        except http_limits.Refused as refused:
            return refused.response
        except NotAuthorized as exc:
            return _unauthorized(str(exc))
        except SigningKeysUnavailable as exc:
            log.warning("Teams: could not fetch Bot Framework signing keys (%s)", exc)
            return web.json_response({"error": "cannot check the token right now; retry later"}, status=503)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.json_response({"error": "the body is not valid JSON"}, status=400)
        try:
            activity = activity_from(body)
        except MalformedActivity as exc:
            return _malformed(str(exc))
        invoke = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        if invoke:
            return invoke_response(invoke.status, invoke.body)
        return web.Response(status=201)

    async def read_and_authenticate(self, limits, request: web.Request, header: str | None):
        """The JSON body (within bot/http_limits.py's bounds) and whose token it carries."""
        body = json.loads(await limits.read_body(request))
        return body, await self.authenticator.authenticate(envelope(body), header)


def invoke_response(status: int, body: Any) -> web.Response:
    try:
        payload = serializer_helper(body)
    except SerializationError:  # botbuilder's own error answers hold an Exception object
        log.info("Teams: an invoke activity could not be handled (status %s)", status)
        payload = {"error": "this invoke activity could not be handled"}
    return web.json_response(payload, status=int(status))


async def report_turn_error(turn_context: TurnContext, error: Exception) -> None:
    """Log what failed and tell the person; the card they submitted keeps what they typed."""
    log.exception("Teams: handling an activity failed", exc_info=error)
    try:
        await turn_context.send_activity(card_activity(text_card(TURN_FAILED)))
    except Exception:  # noqa: BLE001 - the connector may be the thing that failed
        log.warning("Teams: could not tell the person about the failure either")


@dataclass
class TeamsWiring:
    """Everything Teams adds to the process: the route for the web app and the outbox platform."""

    endpoint: TeamsEndpoint
    platform: TeamsPlatform

    @property
    def routes(self) -> list[web.RouteDef]:
        return [web.post(MESSAGES_PATH, self.endpoint.handle)]

    def mount(self, app: web.Application) -> None:
        http_limits.install(app)
        app.add_routes(self.routes)


def authenticated_adapter(runtime) -> tuple[RequestAuthenticator, CloudAdapter]:
    credentials = TeamsCredentials.from_secrets(runtime.secrets)
    authenticator = RequestAuthenticator(
        credentials, allow_unauthenticated=runtime.config.teams_allow_unauthenticated
    )
    adapter = CloudAdapter(authenticator.botframework)
    adapter.on_turn_error = report_turn_error
    return authenticator, adapter


def outbound_platform(runtime, *, cards: TeamsCards | None = None) -> TeamsPlatform:
    """Only the sending side, for `outcomebot tick` (no route, no router)."""
    authenticator, adapter = authenticated_adapter(runtime)
    return TeamsPlatform(adapter=adapter, app_id=authenticator.credentials.APP_ID, db=runtime.db, cards=cards)


NO_TENANTS = (
    "Teams: set TEAMS_APP_TENANT_ID (a single-tenant bot) or list your organisation's tenant ids under "
    "`teams: {allowed_tenants: [...]}` in app.yaml (a multi-tenant bot): activities are accepted only from them"
)


def allowed_tenants(runtime, *, authenticated: bool) -> frozenset[str]:
    """The tenants whose activities are served; ValueError when a real (token-checked) bot has none."""
    tenants = set(runtime.config.teams.allowed_tenants)
    if runtime.secrets.teams_app_tenant_id:
        tenants.add(runtime.secrets.teams_app_tenant_id.strip().lower())
    if authenticated and not tenants:
        raise ValueError(NO_TENANTS)
    return frozenset(tenants)


def build_teams(runtime, *, dispatch: Dispatch | None = None, cards: TeamsCards | None = None) -> TeamsWiring:
    """Wire Teams for a Runtime; `dispatch` defaults to the router's."""
    authenticator, adapter = authenticated_adapter(runtime)
    credentials = authenticator.credentials
    if dispatch is None:
        from bot.router import Router

        dispatch = Router(runtime.config, runtime.db).dispatch
    cards = cards or TeamsCards()
    bot = OutcomeTeamsBot(
        db=runtime.db, config=runtime.config, dispatch=dispatch, cards=cards, app_id=credentials.APP_ID,
        allowed_tenants=allowed_tenants(runtime, authenticated=authenticator.requires_token),
        authenticated=authenticator.requires_token,
    )
    platform = TeamsPlatform(adapter=adapter, app_id=credentials.APP_ID, db=runtime.db, cards=cards)
    return TeamsWiring(endpoint=TeamsEndpoint(adapter, authenticator, bot), platform=platform)
