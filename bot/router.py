"""One entry point for every platform: an inbound event in, a list of intents out.

Adapters (console, Slack, Teams, the test fake) turn their payloads into `bot.platform`
events, call `Router.dispatch`, and render the intents. Other areas add button actions and
forms with one line in the tables below (handlers live in `bot/handlers/<area>.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.config import AppConfig
from bot.handlers import away, blockers, checkin, dashboard, help, manager, okrs, outcomes, pauses, wins
from bot.handlers.context import ButtonHandler, CommandHandler, Context, FormHandler
from bot.inbound_text import cleaned
from bot.platform import ButtonClicked, FormSubmitted, InboundEvent, Intent, MemberJoined, MessageReceived, Reply, Sender
from bot.platforms import identifies_by_chat_id
from storage.db import Database
from storage.models import Person, utcnow
from storage.repositories.identities import person_by_chat_identity
from storage.repositories.people import mark_reachable, person_by_email

log = logging.getLogger(__name__)

COMMANDS: dict[str, CommandHandler] = {
    "okrs": okrs.show_okrs,
    "checkin": checkin.open_checkin,
    "win": wins.share_win,
    "blockers": blockers.show_blockers,
    "outcomes": outcomes.show_outcomes,
    "help": help.show_help,
    "dashboard": dashboard.send_link,
    "snooze": pauses.snooze,
    "skip": pauses.skip,
    "away": away.away,
    **manager.COMMANDS,
}
BUTTONS: dict[str, ButtonHandler] = {
    "checkin.start": checkin.start_from_button,
    "dashboard.open": dashboard.send_link_from_button,
    "dashboard.link": dashboard.link_opened,
    "checkin.edit": checkin.start_from_button,
    "checkin.now": checkin.start_now,  # the welcome message's "Check in now"
    "checkin.snooze": pauses.snooze_from_button,
    "checkin.snooze.tomorrow": pauses.snooze_from_button,  # Slack wants one action id per button
    "checkin.skip": pauses.skip_from_button,
    **manager.BUTTONS,
}
FORMS: dict[str, FormHandler] = {
    "checkin": checkin.submit,
}
# Words people type for the same thing.
ALIASES = {"okr": "okrs", "check-in": "checkin", "blocker": "blockers", "outcome": "outcomes", "?": "help",
           "later": "snooze", "remind": "snooze", "leave": "away", "ooo": "away"}


def split_command(text: str) -> tuple[str, str]:
    """`/okrs @bob` → ("okrs", "@bob"); the word is lower-cased, the rest kept as typed."""
    stripped = text.strip()
    word, _, rest = stripped.partition(" ")
    word = word.lstrip("/").lower()
    return ALIASES.get(word, word), rest.strip()


class Router:
    def __init__(
        self,
        config: AppConfig,
        db: Database,
        *,
        clock: Callable[[], datetime] | None = None,
        now: Callable[[], datetime] | datetime | None = None,
    ) -> None:
        self.config = config
        self.db = db
        if clock is None and isinstance(now, datetime):
            clock = lambda fixed=now: fixed  # noqa: E731
        elif clock is None and callable(now):
            clock = now
        self.clock: Callable[[], datetime] = clock or utcnow

    async def identify(self, sender: Sender) -> Person | None:
        async with self.db.session() as session:
            if not identifies_by_chat_id(sender.platform):  # the console names people by email
                return await person_by_email(session, sender.user_ref)
            person = await person_by_chat_identity(session, sender.platform, sender.user_ref)
            if person is not None and person.unreachable_reason:
                # They just wrote to us on this platform, so it can reach them again.
                await mark_reachable(session, person)
            return person

    async def dispatch(self, event: InboundEvent) -> list[Intent]:
        event = cleaned(event)
        person = await self.identify(event.sender)
        if person is None or not person.active:
            if isinstance(event, MemberJoined):
                return []
            return [Reply("unknown_person", {"platform": event.sender.platform, "user_ref": event.sender.user_ref})]
        ctx = Context(config=self.config, db=self.db, person=person, sender=event.sender, now=self.clock())
        if isinstance(event, MessageReceived):
            word, args = split_command(event.text)
            handler = COMMANDS.get(word)
            if handler is None:
                return await help.answer_unknown(ctx, event.text)
            return await handler(ctx, args)
        if isinstance(event, ButtonClicked):
            button = BUTTONS.get(event.action)
            if button is None:
                log.warning("no handler for button action %r", event.action)
                return await help.show_help(ctx, "")
            return await button(ctx, event)
        if isinstance(event, FormSubmitted):
            form = FORMS.get(event.form)
            if form is None:
                log.warning("no handler for form %r", event.form)
                return await help.show_help(ctx, "")
            return await form(ctx, event)
        if isinstance(event, MemberJoined):
            return await help.show_help(ctx, "")
        return []
