"""The Teams ChatPlatform: sends outbox messages proactively through `continue_conversation`.

A new message is posted to the person's current conversation (or the team's channel);
`replace_ref` (an activity id) updates that earlier card in place, unless the person's chat
has changed since the message was queued — then the card is posted anew. Connector answers become the outbox's delivery outcomes:
403 (bot removed, user gone) → Unreachable and the person is marked; 429/412/5xx → RetryLater
honouring Retry-After; other 4xx → PermanentFailure. botframework's own HTTP retries are
switched off so the outbox alone decides when to try again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError
from msrest.universal_http.requests import ClientRetryPolicy
from urllib3.util.retry import Retry

from bot.handlers.checkin import form_of_checkin
from bot.retry_after import retry_after_seconds
from bot.teams.cards import CHECKIN_CARDS, CardTooLarge, TeamsCards, card_activity
from bot.teams.limits import RETRY_STATUSES, TeamsRateLimiter
from bot.teams.references import conversation_id, mark_unreachable, reference_for
from cadences.notifier import OutboundMessage, PermanentFailure, RetryLater, Sent, Unreachable
from messages.render import TemplateNotFound
from storage.db import Database

class NoHttpRetries(ClientRetryPolicy):
    """msrest's retry policy, configured through its public constructor-level settings to try
    each request once and hand every answer (429 and 5xx included) back as it came."""

    def __init__(self) -> None:
        super().__init__()
        self.policy = Retry(total=0, connect=0, read=0, status_forcelist=frozenset(), raise_on_status=False)


def without_http_retries(turn_context: TurnContext) -> None:
    """Make the connector return 429/5xx to us at once instead of retrying in a thread.

    botbuilder builds a connector client per turn; its msrest configuration's `retry_policy`
    (a documented setting) is given a policy that never retries.
    """
    client = turn_context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    config = getattr(client, "config", None)
    if config is not None:
        config.retry_policy = NoHttpRetries()


def delivery_error(exc: HttpOperationError, *, updating: bool) -> Exception:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    reason = f"Teams connector answered {status}"
    if status == 403 or (status == 404 and not updating):
        return Unreachable(f"{reason}: the bot was removed or the person left")
    if status in RETRY_STATUSES or (status is not None and status >= 500):
        return RetryLater(reason, retry_after=retry_after_seconds(getattr(response, "headers", None)))
    return PermanentFailure(reason)


async def run_proactively(
    adapter: BotAdapter, reference: ConversationReference, app_id: str, logic: Callable[[TurnContext], Awaitable[None]]
) -> None:
    """continue_conversation, but errors reach the caller (not the adapter's on_turn_error)."""
    failure: list[BaseException] = []

    async def guarded(turn_context: TurnContext) -> None:
        try:
            await logic(turn_context)
        except Exception as exc:  # noqa: BLE001 - re-raised below, outside botbuilder's pipeline
            failure.append(exc)

    await adapter.continue_conversation(reference, guarded, bot_app_id=app_id)
    if failure:
        raise failure[0]


class TeamsPlatform:
    name = "teams"

    def __init__(
        self,
        *,
        adapter: BotAdapter,
        app_id: str | None,
        db: Database,
        cards: TeamsCards | None = None,
        limiter: TeamsRateLimiter | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.adapter = adapter
        self.app_id = app_id or ""
        self.db = db
        self.cards = cards or TeamsCards()
        self.limiter = limiter or TeamsRateLimiter()
        self.clock = clock

    async def card(self, message: OutboundMessage) -> dict[str, Any]:
        """The message's card. A scheduled check-in prompt or reminder is the check-in form,
        built when it is sent exactly as `checkin` builds it (earlier open blockers as "still
        blocking / resolved", each key result's latest value and its source, reflection
        questions); a check-in that is gone gets the card of the queued context."""
        checkin_id = message.context.get("checkin_id") if message.template in CHECKIN_CARDS else None
        if checkin_id is not None:
            form = await form_of_checkin(self.db, int(checkin_id), self.clock())
            if form is not None:
                return self.cards.checkin_form(form, template=message.template)
        return self.cards.render(message.template, message.context)

    async def deliver(self, message: OutboundMessage) -> Sent:
        stored = await reference_for(self.db, message)
        if stored is None:
            raise PermanentFailure(f"no Teams conversation is known for {message.address or 'this message'}")
        # A card to replace lives in the conversation the message was queued for; when the
        # person's chat has changed since, the new card is posted there instead.
        replace_ref = message.replace_ref if conversation_id(stored) == message.address else None
        try:
            card = await self.card(message)
            activity = card_activity(card, activity_id=replace_ref)
        except (TemplateNotFound, CardTooLarge) as exc:
            raise PermanentFailure(str(exc)) from None
        reference = ConversationReference().deserialize(stored)
        reference.activity_id = None  # post to the conversation, not as a reply to an old message
        tenant = (stored.get("conversation") or {}).get("tenantId")
        await self.limiter.acquire(conversation_id(stored), tenant)

        sent: dict[str, str | None] = {}

        async def send(turn_context: TurnContext) -> None:
            without_http_retries(turn_context)
            turn_context.activity.id = None  # a new message in the conversation, not a reply
            if replace_ref:
                await turn_context.update_activity(activity)
                sent["id"] = replace_ref
            else:
                response = await turn_context.send_activity(activity)
                sent["id"] = response.id if response else None

        try:
            await run_proactively(self.adapter, reference, self.app_id, send)
        except HttpOperationError as exc:
            error = delivery_error(exc, updating=bool(replace_ref))
            if isinstance(error, Unreachable) and message.person_id is not None:
                await mark_unreachable(self.db, message.person_id, error.reason)
            raise error from None
        except (ClientRequestError, OSError, asyncio.TimeoutError) as exc:
            raise RetryLater(f"Teams connector not reachable: {type(exc).__name__}") from None
        return Sent(message_ref=sent.get("id"))
