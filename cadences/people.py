"""What the planner needs to know about a batch of people, loaded with a few set-based queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.calendar import WorkCalendar
from cadences.outbox import person_target
from storage.models import progress_between  # KeyResult.progress, from plain columns
from storage.repositories.planning import key_results_of, leave_of, people_facts


@dataclass(frozen=True, slots=True)
class PersonFacts:
    id: int
    name: str
    email: str
    timezone: str
    platform: str
    address: str
    can_be_prompted: bool  # active and not marked unreachable
    calendar: WorkCalendar


class _Identity(NamedTuple):  # what cadences.outbox.person_target reads
    email: str
    slack_user_id: str | None
    teams_conversation_ref: dict[str, Any] | None


async def load_people(
    session: AsyncSession, ids: Iterable[int], *, working_days: Iterable[str], since: date
) -> dict[int, PersonFacts]:
    """People by id with their work calendar (leave ending on or after `since`)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    leave: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for person_id, starts_on, ends_on in await leave_of(session, wanted, since=since):
        leave[person_id].append((starts_on, ends_on))
    days = tuple(working_days)
    people: dict[int, PersonFacts] = {}
    for id_, name, email, tz, country, active, unreachable, slack_user_id, teams_ref in await people_facts(session, wanted):
        platform, address = person_target(_Identity(email, slack_user_id, teams_ref))
        people[id_] = PersonFacts(
            id=id_, name=name, email=email, timezone=tz, platform=platform, address=address,
            can_be_prompted=bool(active) and not unreachable,
            calendar=_calendar(days, country, tuple(leave[id_]) if id_ in leave else ()),
        )
    return people


_CALENDARS: dict[tuple[Any, ...], WorkCalendar] = {}


def _calendar(days: tuple[str, ...], country: str, leave: tuple[tuple[date, date], ...]) -> WorkCalendar:
    """Share one calendar object per (working days, country) so calendar caches hit."""
    if leave:
        return WorkCalendar.build(working_days=days, country=country, leave=leave)
    key = (days, country)
    calendar = _CALENDARS.get(key)
    if calendar is None:
        calendar = _CALENDARS[key] = WorkCalendar.build(working_days=days, country=country)
    return calendar


async def load_key_results(session: AsyncSession, owner_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Each owner's key results in the shape the check-in templates expect."""
    wanted = sorted(set(owner_ids))
    by_owner: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not wanted:
        return by_owner
    for owner_id, id_, key, title, unit, baseline, target, current, confidence in await key_results_of(session, wanted):
        by_owner[owner_id].append({
            "id": id_, "key": key, "title": title, "unit": unit, "baseline": baseline, "target": target,
            "current": current, "confidence": confidence, "progress": progress_between(baseline, target, current),
        })
    return by_owner
