"""Who may see whose key results, check-ins and blockers — one rule for chat and the dashboard.

A person sees their own, anyone above them in the manager chain sees theirs (managers and
skip-levels), and admins (`is_admin` in the people import, or `organisation.admins` in
app.yaml) see everyone's (docs/architecture.md, Privacy).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import AppConfig
from storage.models import Person
from storage.repositories.people import is_in_manager_chain


def is_admin(config: AppConfig, person: Person) -> bool:
    return person.is_admin or person.email.lower() in config.organisation.admins


async def may_see_person(session: AsyncSession, config: AppConfig, *, viewer: Person, person: Person) -> bool:
    if viewer.id == person.id or is_admin(config, viewer):
        return True
    return await is_in_manager_chain(session, manager=viewer, report=person)
