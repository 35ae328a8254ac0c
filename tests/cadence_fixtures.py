"""People, leave and check-ins for the cadence tests, written straight into a real database."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import insert, select

from cadences.planner import Planner, PlannerSettings
from cadences.sender import DeliverySender
from cadences.settings import CadenceRule, ReminderPolicy
from storage.db import Database
from storage.models import CheckIn, Delivery, LeavePeriod, Person, PromptSchedule
from tests.identity_helpers import link, split_identities

WEEKLY = CadenceRule(name="weekly", every="week", on="monday", at="09:00")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def planner(
    db: Database, *rules: CadenceRule, reminders: ReminderPolicy | None = None, batch_size: int = 2000,
    sender: DeliverySender | None = None,
) -> Planner:
    return Planner(db, PlannerSettings(
        cadences=rules or (WEEKLY,), reminders=reminders or ReminderPolicy(after_hours=24, max=1),
        batch_size=batch_size), sender=sender)


async def add_person(db: Database, email: str, *, tz: str = "Europe/Berlin", country: str = "DE", **extra) -> int:
    fields, identities = split_identities(extra)
    async with db.transaction() as session:
        person = Person(email=email, name=email.split("@")[0].title(), timezone=tz, country=country, **fields)
        session.add(person)
        await session.flush()
        await link(session, person.id, **identities)
        return person.id


async def add_people(db: Database, count: int, *, tz: str = "Europe/Berlin", country: str = "DE") -> None:
    async with db.transaction() as session:
        await session.execute(insert(Person.__table__), [
            {"email": f"p{n}@example.com", "name": f"Person {n}", "timezone": tz, "country": country,
             "is_admin": False, "active": True, "created_at": utc(2026, 1, 1)}
            for n in range(count)
        ])


async def add_leave(db: Database, person_id: int, starts_on: date, ends_on: date) -> None:
    async with db.transaction() as session:
        session.add(LeavePeriod(person_id=person_id, starts_on=starts_on, ends_on=ends_on))


async def deliveries(db: Database) -> list[Delivery]:
    async with db.session() as session:
        return list((await session.execute(select(Delivery).order_by(Delivery.id))).scalars())


async def checkins(db: Database) -> list[CheckIn]:
    async with db.session() as session:
        return list((await session.execute(select(CheckIn).order_by(CheckIn.period, CheckIn.id))).scalars())


async def schedules(db: Database) -> list[PromptSchedule]:
    async with db.session() as session:
        return list((await session.execute(select(PromptSchedule).order_by(PromptSchedule.id))).scalars())
