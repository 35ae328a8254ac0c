"""The Teams turn: remember where people are, hand their words and cards to the router, answer.

Replies meant only for the person (their OKRs, the check-in form…) asked for in a channel go
to their personal chat with the bot, never into the channel.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema import ActivityTypes, ConversationReference
from botbuilder.schema.teams import TeamInfo, TeamsChannelAccount
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.config import AppConfig
from bot.dedupe import ProcessedEvents
from bot.platform import FormRejected, FormSubmitted, InboundEvent, Intent, MemberJoined, Reply, Sender, ShowForm
from bot.teams.cards import CardTooLarge, TeamsCards, card_activity, text_card
from bot.teams.identity import TeamsSender
from bot.teams.inbound import event_from_message, is_personal, mentions
from bot.teams.platform import run_proactively
from bot.teams.references import person_by_teams_id, remember_person, remember_team_channel
from storage.db import Database

log = logging.getLogger(__name__)

Dispatch = Callable[[InboundEvent], Awaitable[list[Intent]]]
PRIVATE_REPLY_SENT = "I sent you the answer in our personal chat; it is only for you."
FOREIGN_TENANT = ("Sorry, OutcomeBot here serves another organisation, so I cannot help you. "
                  "Ask your own IT team whether your organisation runs its own OutcomeBot.")
OPEN_PERSONAL_CHAT = "That answer is private. Open a chat with me (Apps → OutcomeBot) and ask there."


def reference_of(turn_context: TurnContext) -> dict[str, Any]:
    """The activity's ConversationReference as JSON, with the tenant (botbuilder's schema drops
    Teams' `conversation.tenantId`; the send limits are per tenant)."""
    activity = turn_context.activity
    reference = TurnContext.get_conversation_reference(activity).serialize()
    tenant = ((activity.channel_data or {}).get("tenant") or {}).get("id") if isinstance(activity.channel_data, dict) else None
    if tenant:
        reference.setdefault("conversation", {})["tenantId"] = tenant
    return reference


class OutcomeTeamsBot(TeamsActivityHandler):
    def __init__(
        self,
        *,
        db: Database,
        config: AppConfig,
        dispatch: Dispatch,
        cards: TeamsCards,
        app_id: str | None,
        allowed_tenants: Collection[str] = (),
        authenticated: bool = True,
    ) -> None:
        self.db = db
        # TEAMS_APP_TENANT_ID and app.yaml teams.allowed_tenants; empty only in the Emulator mode.
        self.allowed_tenants = frozenset(tenant.lower() for tenant in allowed_tenants)
        self.authenticated = authenticated  # every activity carries a checked Bot Framework token
        self.config = config
        self.dispatch = dispatch
        self.cards = cards
        self.app_id = app_id or ""
        self.processed = ProcessedEvents(db, source="teams")

    # --- whose activities are served -----------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        if not tenant_allowed(turn_context.activity, self.allowed_tenants):
            await self.refuse_foreign_tenant(turn_context)
            return
        await super().on_turn(turn_context)

    async def refuse_foreign_tenant(self, turn_context: TurnContext) -> None:
        """Nothing is read, stored or dispatched; a person who wrote or installed gets told why."""
        activity = turn_context.activity
        log.warning("Teams: refused a %s activity from a tenant that is not allowed (%s)",
                    activity.type, activity_tenant(activity) or "no tenant")
        if activity.type in (ActivityTypes.message, ActivityTypes.conversation_update, ActivityTypes.installation_update):
            try:
                await turn_context.send_activity(card_activity(text_card(FOREIGN_TENANT)))
            except (HttpOperationError, ClientRequestError) as exc:
                log.info("Teams: could not send the refusal (%s)", type(exc).__name__)

    # --- who is who -------------------------------------------------------------------------

    async def member(self, turn_context: TurnContext, account_id: str) -> TeamsChannelAccount | None:
        try:
            return await TeamsInfo.get_member(turn_context, account_id)
        except (HttpOperationError, ClientRequestError, TypeError) as exc:
            log.info("Teams: could not look up member details (%s)", type(exc).__name__)
            return None

    async def remember_sender(self, turn_context: TurnContext) -> tuple[str | None, str | None]:
        """Store the personal chat's reference on the sender's Person; (AAD id, email) as known."""
        activity = turn_context.activity
        account = activity.from_property
        if account is None:
            return None, None
        reference = reference_of(turn_context)
        now = datetime.now(timezone.utc)

        def sender(aad: str | None, email: str | None) -> TeamsSender:
            return TeamsSender(aad_object_id=aad, email=email, tenant=activity_tenant(activity) or None,
                               reference=reference, authenticated=self.authenticated)

        if account.aad_object_id and await remember_person(self.db, sender(account.aad_object_id, None), now=now):
            return account.aad_object_id, None
        details = await self.member(turn_context, account.id)
        email = (details.email or details.user_principal_name) if details else None
        aad = account.aad_object_id or (details.aad_object_id if details else None)
        person = await remember_person(self.db, sender(aad, email), now=now)
        if person is None:
            log.info("Teams: a sender not bound to anyone in the imported org chart talked to the bot")
        return aad, email

    async def mentioned_people(self, turn_context: TurnContext) -> dict[str, str]:
        """Mentioned people (other than the bot) by account id → email, for `okrs @person`."""
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        people = {}
        for mention in mentions(turn_context.activity):
            if mention.account_id and mention.account_id != bot_id:
                details = await self.member(turn_context, mention.account_id)
                if details and (details.email or details.user_principal_name):
                    people[mention.account_id] = details.email or details.user_principal_name
        return people

    # --- activities ---------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        aad = (await self.remember_sender(turn_context))[0] if is_personal(activity) else None
        people = await self.mentioned_people(turn_context) if activity.text and activity.value is None else {}
        event = event_from_message(activity, people=people)
        if event is not None and is_personal(activity) and not activity.from_property.aad_object_id and aad:
            event = replace(event, sender=replace(event.sender, user_ref=aad))
        if event is None:
            return
        intents = await self.dispatch_once(activity, event)
        if intents is not None:
            await self.answer(turn_context, event, intents)

    async def dispatch_once(self, activity, event: InboundEvent) -> list[Intent] | None:
        """The router's answer, or None for an activity handled before (Teams redelivers on
        timeouts). The claim is released when the router fails, so a redelivery is processed."""
        key = f"teams:{activity.conversation.id}:{activity.id}" if activity.id and activity.conversation else None
        if key is not None and not await self.processed.claim(key):
            log.info("Teams: duplicate activity dropped")
            return None
        try:
            return await self.dispatch(event)
        except BaseException:
            if key is not None:
                await self.processed.release(key)
            raise

    async def on_teams_members_added(
        self, teams_members_added: list[TeamsChannelAccount], team_info: TeamInfo, turn_context: TurnContext
    ) -> None:
        await self.installed(turn_context, team_info=team_info, greet=True)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        # Teams also sends conversationUpdate for the same install; greet only once, there.
        await self.installed(turn_context, team_info=None, greet=False)

    async def installed(self, turn_context: TurnContext, *, team_info: TeamInfo | None, greet: bool) -> None:
        activity = turn_context.activity
        if not is_personal(activity):
            channel_data = activity.channel_data or {}
            team = team_info or TeamInfo(**{k: v for k, v in (channel_data.get("team") or {}).items() if k in ("id", "name")})
            if team and (team.id or team.name):
                stored = await remember_team_channel(
                    self.db, self.config, reference=reference_of(turn_context), team_name=team.name, team_id=team.id,
                    org_tenants=self.allowed_tenants,
                )
                if stored is None:
                    log.info("Teams: installed in a team not accepted as one of ours (name and tenant, or app.yaml channels)")
            return
        # A personal install lists the bot in membersAdded; the person is the activity's `from`.
        aad, email = await self.remember_sender(turn_context)
        if not greet:
            return
        account = activity.from_property
        sender = Sender(platform="teams", user_ref=aad or account.id, conversation=activity.conversation.id)
        intents = await self.dispatch_once(activity, MemberJoined(sender=sender, email=email, name=account.name))
        if intents is not None:  # a redelivered install greets once
            await self.answer(turn_context, None, intents)

    # --- answering ------------------------------------------------------------------------------

    async def answer(self, turn_context: TurnContext, event: InboundEvent | None, intents: list[Intent]) -> None:
        submitted_card = turn_context.activity.reply_to_id if isinstance(event, FormSubmitted) else None
        for intent in intents:
            if isinstance(intent, FormRejected):
                card = self.cards.checkin_form(intent.form, values=intent.values, errors=intent.errors)
                try:
                    await self.show(turn_context, card, replace=submitted_card)
                except CardTooLarge:  # the submitted card stays as it is, with everything typed
                    await self.show(turn_context, text_card(rejection_text(intent.errors)))
            elif isinstance(intent, ShowForm):
                await self.say(turn_context, event, self.cards.checkin_form(intent.form), public=False)
            elif isinstance(intent, Reply):
                if submitted_card and intent.template == "checkin_recorded":
                    done = self.cards.render("checkin_done", done_context(intent.context))
                    await self.show(turn_context, done, replace=submitted_card)
                await self.say(turn_context, event, self.cards.render(intent.template, intent.context), public=intent.public)

    async def show(self, turn_context: TurnContext, card: dict, *, replace: str | None = None) -> None:
        if replace:
            await turn_context.update_activity(card_activity(card, activity_id=replace))
        else:
            await turn_context.send_activity(card_activity(card))

    async def say(self, turn_context: TurnContext, event: InboundEvent | None, card: dict, *, public: bool) -> None:
        """Answer in this conversation, or privately when the question came from a channel."""
        if public or event is None or event.sender.is_direct:
            await self.show(turn_context, card)
            return
        person = await person_by_teams_id(self.db, event.sender.user_ref)
        if person is None or not person.teams_conversation_ref:
            await self.show(turn_context, text_card(OPEN_PERSONAL_CHAT))
            return
        reference = ConversationReference().deserialize(person.teams_conversation_ref)
        reference.activity_id = None

        async def send_privately(private_context: TurnContext) -> None:
            await private_context.send_activity(card_activity(card))

        await run_proactively(turn_context.adapter, reference, self.app_id, send_privately)
        await self.show(turn_context, text_card(PRIVATE_REPLY_SENT))


def activity_tenant(activity) -> str:
    """The tenant Teams names in `channelData.tenant.id` (and `conversation.tenantId`); "" when
    they are missing or disagree."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant_data = channel_data.get("tenant")
    from_channel = str(tenant_data.get("id") or "") if isinstance(tenant_data, dict) else ""
    from_conversation = str(getattr(activity.conversation, "tenant_id", None) or "")
    named = {tenant.lower() for tenant in (from_channel, from_conversation) if tenant}
    return named.pop() if len(named) == 1 else ""


def tenant_allowed(activity, allowed: frozenset[str]) -> bool:
    """Only the allowed tenants are served; with none configured (the Emulator mode) any is."""
    return not allowed or activity_tenant(activity) in allowed


def done_context(recorded: dict[str, Any]) -> dict[str, Any]:
    """The "checked in" card's words, from the check-in as stored (the router's reply), never
    from the submitted card's values, which the client controls."""
    return {
        "checkin_id": recorded.get("checkin_id", ""),
        "person": {"name": (recorded.get("person") or {}).get("name", ""), "email": ""},
        "period_label": recorded.get("period_label", ""),
    }


def rejection_text(errors: dict[str, str]) -> str:
    lines = ["Some answers need a fix before I can save your check-in:"]
    lines += [f"- {message}" for message in errors.values()]
    return "\n".join(lines + ["Change them on the card above and submit again."])
