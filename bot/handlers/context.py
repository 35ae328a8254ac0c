"""What every handler receives: who is asking, when, and the app's configuration and database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import AppConfig
from bot.handlers.access import is_admin
from bot.platform import ButtonClicked, FormSubmitted, Intent, Sender
from storage.db import Database
from storage.models import Person


@dataclass(frozen=True, slots=True)
class Context:
    config: AppConfig
    db: Database
    person: Person
    sender: Sender
    now: datetime  # aware UTC, from the router's clock

    @property
    def timezone(self) -> str:
        return person_timezone(self.person, self.config)

    @property
    def local_today(self) -> date:
        """Today in the person's own timezone (the OKR period and check-in week follow it)."""
        return self.now.astimezone(ZoneInfo(self.timezone)).date()

    def is_admin(self, person: Person | None = None) -> bool:
        return is_admin(self.config, person or self.person)


def person_timezone(person: Person, config: AppConfig) -> str:
    """The person's IANA timezone, or the organisation's when theirs is unusable."""
    try:
        ZoneInfo(person.timezone)
        return person.timezone
    except (ZoneInfoNotFoundError, ValueError):
        return config.organisation.timezone


CommandHandler = Callable[[Context, str], Awaitable[list[Intent]]]
ButtonHandler = Callable[[Context, ButtonClicked], Awaitable[list[Intent]]]
FormHandler = Callable[[Context, FormSubmitted], Awaitable[list[Intent]]]
