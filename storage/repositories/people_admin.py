"""People who leave and come back: stop their cadences and keep their history.

A deactivated person keeps every check-in, key result update, blocker and win; they get no
prompt, reminder or digest line any more (the planner and digests read active people only),
their messages still waiting in the outbox are cancelled, and a check-in still open is
`skipped` (so it never turns `missed`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CheckIn, CheckInStatus, Delivery, DeliveryStatus, Person, PromptSchedule, Team

LEFT_REASON = "no longer active"
_OPEN = (CheckInStatus.pending.value, CheckInStatus.prompted.value, CheckInStatus.reminded.value)
_WAITING = (DeliveryStatus.pending.value, DeliveryStatus.failed.value)


@dataclass(frozen=True, slots=True)
class PersonLine:
    email: str
    name: str
    timezone: str
    team: str | None
    manager_email: str | None
    active: bool


async def stop_cadences(session: AsyncSession, person_ids: Iterable[int]) -> None:
    """What deactivation stops, for these people (call in the transaction that deactivates)."""
    ids = list(person_ids)
    if not ids:
        return
    await session.exec(delete(PromptSchedule).where(PromptSchedule.person_id.in_(ids)))  # type: ignore[attr-defined]
    await session.exec(
        update(CheckIn)
        .where(CheckIn.person_id.in_(ids), CheckIn.status.in_(_OPEN))  # type: ignore[attr-defined]
        .values(status=CheckInStatus.skipped.value, skip_reason=LEFT_REASON, next_action_at=None, snoozed_until=None)
    )
    await session.exec(
        update(Delivery)
        .where(Delivery.person_id.in_(ids), Delivery.status.in_(_WAITING))  # type: ignore[attr-defined]
        .values(status=DeliveryStatus.cancelled.value)
    )


async def set_active(session: AsyncSession, person: Person, active: bool) -> None:
    person.active = active
    session.add(person)
    await session.flush()
    if not active:
        await stop_cadences(session, [person.id])  # type: ignore[list-item]


async def active_reports(session: AsyncSession, manager_id: int) -> list[Person]:
    rows = await session.exec(select(Person).where(Person.manager_id == manager_id, Person.active).order_by(Person.name))
    return list(rows.all())


async def people_lines(session: AsyncSession, *, include_inactive: bool) -> list[PersonLine]:
    people = (await session.exec(select(Person).order_by(Person.name, Person.email))).all()
    teams = {team.id: team.name for team in (await session.exec(select(Team))).all()}
    emails = {person.id: person.email for person in people}
    return [
        PersonLine(p.email, p.name, p.timezone, teams.get(p.team_id), emails.get(p.manager_id), p.active)
        for p in people if include_inactive or p.active
    ]
