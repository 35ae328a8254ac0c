"""What the planner needs to know about a batch of people, loaded with a few set-based queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.bulk import Bulk
from cadences.calendar import WorkCalendar
from cadences.chat_platforms import person_target
from storage.identities import NO_IDENTITIES, identities_from_rows
from storage.models import progress_between  # KeyResult.progress, from plain columns


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
    bulk = await Bulk.of(session)
    leave: dict[int, list[tuple[date, date]]] = defaultdict(list)
    matching, ids_parameter = bulk.ids_in("person_id", wanted)
    leave_rows = await bulk.fetch(
        f"SELECT person_id, starts_on, ends_on FROM leave_period WHERE {matching} AND ends_on >= ?",
        (ids_parameter, bulk.day(since)), tuples=True,
    )
    for person_id, starts_on, ends_on in leave_rows:
        leave[person_id].append((bulk.read_day(starts_on), bulk.read_day(ends_on)))
    days = tuple(working_days)
    matching, ids_parameter = bulk.ids_in("id", wanted)
    columns = ("id", "name", "email", "timezone", "country", "active", "unreachable_reason")
    rows = await bulk.rows_at_once(
        columns, f"SELECT {', '.join(columns)} FROM person WHERE {matching}", (ids_parameter,))
    matching, ids_parameter = bulk.ids_in("person_id", wanted)
    identity_rows = await bulk.fetch(
        f"SELECT person_id, platform, external_id, tenant, conversation_ref FROM chat_identity WHERE {matching}",
        (ids_parameter,), tuples=True)
    identities = identities_from_rows(
        (person_id, platform, external_id, tenant, bulk.read_json(reference))
        for person_id, platform, external_id, tenant, reference in identity_rows)
    people: dict[int, PersonFacts] = {}
    for id_, name, email, tz, country, active, unreachable in rows:
        platform, address = person_target(email, identities.get(id_, NO_IDENTITIES))
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
    bulk = await Bulk.of(session)
    matching, ids_parameter = bulk.ids_in("owner_id", wanted)
    columns = ("owner_id", "id", '"key"', "title", "unit", "baseline", "target", '"current"', "confidence")
    rows = await bulk.rows_at_once(
        columns, f"SELECT {', '.join(columns)} FROM key_result WHERE {matching} ORDER BY owner_id, id",
        (ids_parameter,), reals=("baseline", "target", '"current"'))
    rows.sort()  # by owner and id (unique), the order they come in as a rule: then it costs next to nothing
    for owner_id, id_, key, title, unit, baseline, target, current, confidence in rows:
        by_owner[owner_id].append({
            "id": id_, "key": key, "title": title, "unit": unit, "baseline": baseline, "target": target,
            "current": current, "confidence": confidence, "progress": progress_between(baseline, target, current),
        })
    return by_owner
