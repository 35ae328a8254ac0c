"""Whose key results, check-ins and blockers the signed-in person may see on the dashboard:
the same rule as chat (bot/handlers/access.py), as a set for pages that list many people."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import AppConfig
from bot.handlers.access import is_admin, may_see_person
from storage.models import Person
from storage.repositories.dashboard import ids_below

__all__ = ["Visible", "visible_to", "may_see_person"]


class Visible:
    """Everyone (admins) or the person and everyone below them in the manager chain."""

    def __init__(self, ids: set[int] | None) -> None:
        self.ids = ids

    @property
    def everyone(self) -> bool:
        return self.ids is None

    def __contains__(self, person_id: object) -> bool:
        return self.ids is None or person_id in self.ids


async def visible_to(session: AsyncSession, config: AppConfig, viewer: Person) -> Visible:
    if is_admin(config, viewer):
        return Visible(None)
    return Visible({viewer.id, *await ids_below(session, viewer.id)})  # type: ignore[arg-type]
