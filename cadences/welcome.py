"""A welcome for people just imported: when their check-ins come, and an offer to check in now.

Without it someone imported on a Tuesday hears nothing until next Monday's prompt. The
outbox key `welcome:{person id}` makes it once per person, ever.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.outbox import enqueue_for_person
from cadences.periods import current_period, period_label
from cadences.settings import CadenceRule
from storage.repositories.people import people_by_ids


def cadence_phrase(rule: CadenceRule) -> str:
    """`every Monday at 09:00`, `every month on the last working day at 09:00`."""
    if rule.every == "week":
        return f"every {rule.on.capitalize()} at {rule.at}"
    on = f"day {rule.on}" if str(rule.on).isdigit() else f"the {rule.on}"
    return f"every month on {on} at {rule.at}"


async def welcome_newcomers(session: AsyncSession, person_ids: Iterable[int], *, rules: Sequence[CadenceRule],
                            default_timezone: str, now: datetime) -> int:
    """Queue the welcome of each of these people who is active; returns how many."""
    ids = list(person_ids)
    if not ids or not rules:
        return 0
    weekly = next((rule for rule in rules if rule.every == "week"), rules[0])
    people = [person for person in (await people_by_ids(session, ids)).values() if person.active]
    for person in people:
        period = current_period(weekly.every, now, person.timezone or default_timezone)
        context = {
            "person": {"name": person.name, "email": person.email},
            "cadences": [{"name": rule.name, "when": cadence_phrase(rule)} for rule in rules],
            "period_label": period_label(period),
        }
        await enqueue_for_person(session, person, key=f"welcome:{person.id}", template="welcome", context=context, now=now)
    return len(people)
