"""What the planner needs to know about a batch of people, loaded with a few set-based queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.calendar import WorkCalendar
from cadences.outbox import person_target
from storage.models import KeyResult, LeavePeriod, Person

_P = Person.__table__.c
_L = LeavePeriod.__table__.c
_K = KeyResult.__table__.c


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


async def load_people(
    session: AsyncSession, ids: Iterable[int], *, working_days: Iterable[str], since: date
) -> dict[int, PersonFacts]:
    """People by id with their work calendar (leave ending on or after `since`)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    leave: dict[int, list[tuple[date, date]]] = defaultdict(list)
    leave_rows = await session.execute(
        select(_L.person_id, _L.starts_on, _L.ends_on).where(_L.person_id.in_(wanted), _L.ends_on >= since)
    )
    for person_id, starts_on, ends_on in leave_rows:
        leave[person_id].append((starts_on, ends_on))
    days = tuple(working_days)
    rows = await session.execute(
        select(
            _P.id, _P.name, _P.email, _P.timezone, _P.country, _P.active, _P.unreachable_reason,
            _P.slack_user_id, _P.teams_conversation_ref,
        ).where(_P.id.in_(wanted))
    )
    people: dict[int, PersonFacts] = {}
    for row in rows:
        platform, address = person_target(row)  # duck-typed: needs the two identity columns
        people[row.id] = PersonFacts(
            id=row.id,
            name=row.name,
            email=row.email,
            timezone=row.timezone,
            platform=platform,
            address=address,
            can_be_prompted=bool(row.active) and not row.unreachable_reason,
            calendar=_calendar(days, row.country, tuple(leave.get(row.id, ()))),
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
    rows = await session.execute(
        select(
            _K.id, _K.key, _K.title, _K.unit, _K.baseline, _K.target, _K.current, _K.confidence, _K.owner_id
        ).where(_K.owner_id.in_(wanted)).order_by(_K.owner_id, _K.id)
    )
    for row in rows:
        by_owner[row.owner_id].append(
            {
                "id": row.id, "key": row.key, "title": row.title, "unit": row.unit,
                "baseline": row.baseline, "target": row.target, "current": row.current,
                "confidence": row.confidence, "progress": KeyResult.progress(row),  # duck-typed row
            }
        )
    return by_owner

