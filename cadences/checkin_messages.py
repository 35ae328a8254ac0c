"""Check-in prompts and reminders as outbox rows, and the check-in rows that go with them.

The context of `checkin_prompt` / `checkin_reminder` is the one COORDINATION.md fixes:
checkin_id, person {name, email}, cadence, kind, period, period_label, reminder, key_results.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, tuple_, update
from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.bulk import Bulk
from cadences.calendar import local_instant, zone
from cadences.notifier import OutboundMessage
from cadences.people import PersonFacts
from cadences.periods import period_label
from cadences.settings import CadenceRule
from storage.models import CheckIn, CheckInStatus, DeliveryStatus

CHECKIN_TABLE = CheckIn.__table__
_C = CHECKIN_TABLE.c
MAX_DAYS_TO_NEXT_WORKING_DAY = 21
# Plain strings, looked up once: an enum's `.value` costs microseconds, per row adds up.
_PENDING = DeliveryStatus.pending.value
_STATUS_VALUES = {status: status.value for status in CheckInStatus}


def prompt_key(person_id: int, cadence_id: int, period: str) -> str:
    return f"checkin:{person_id}:{cadence_id}:{period}:prompt"


def reminder_key(person_id: int, cadence_id: int, period: str, n: int) -> str:
    return f"checkin:{person_id}:{cadence_id}:{period}:reminder:{n}"


def checkin_context(
    *, checkin_id: int, person: PersonFacts, rule: CadenceRule, period: str, reminder: bool,
    key_results: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "checkin_id": checkin_id,
        "person": {"name": person.name, "email": person.email},
        "cadence": rule.name,
        "kind": rule.every,
        "period": period,
        "period_label": period_label(period),
        "reminder": reminder,
        "key_results": key_results,
    }


def message_row(*, key: str, template: str, person: PersonFacts, context: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A Delivery row (see cadences.outbox.delivery_row) without its per-call clock read."""
    return {
        "idempotency_key": key, "person_id": person.id, "team_id": None, "platform": person.platform,
        "address": person.address, "template": template, "context": context,
        "status": _PENDING, "attempts": 0, "next_attempt_at": now,
        "replaces_ref": None, "created_at": now,
    }


def outbound(row: dict[str, Any], delivery_id: int) -> OutboundMessage:
    """The message of a Delivery row written by this process, without reading it back."""
    return OutboundMessage(
        delivery_id=delivery_id, idempotency_key=row["idempotency_key"], platform=row["platform"],
        address=row["address"], template=row["template"], context=row["context"], person_id=row["person_id"],
        replace_ref=row["replaces_ref"],
    )


def reminder_time(person: PersonFacts, earliest: datetime, period_ends_at: datetime) -> datetime | None:
    """`earliest`, moved to the same local time on the next working day; None past the period."""
    local = earliest.astimezone(zone(person.timezone))
    day = local.date()
    for _ in range(MAX_DAYS_TO_NEXT_WORKING_DAY):
        if person.calendar.is_working_day(day):
            at = local_instant(day, local.time().replace(tzinfo=None), person.timezone)
            return at if at < period_ends_at else None
        day += timedelta(days=1)
    return None


async def insert_checkins(session: AsyncSession, rows: list[dict[str, Any]], *, returning: bool = False) -> list:
    """Insert check-ins, skipping any (person, cadence, period) that exists; returns new ones."""
    if not rows:
        return []
    bulk = await Bulk.of(session)
    return await bulk.insert(
        CHECKIN_TABLE, rows, conflict_on=("person_id", "cadence_id", "period"),
        returning=("id", "person_id", "cadence_id", "period") if returning else (),
    )


def prompt_messages(
    created: list, *, people: dict[int, PersonFacts], rules: dict[int, CadenceRule],
    key_results: dict[int, list[dict[str, Any]]], now: datetime,
) -> list[dict[str, Any]]:
    """The `checkin_prompt` outbox rows for new check-ins (rows of id, person_id, cadence_id, period)."""
    messages = []
    for row in created:
        person = people[row.person_id]
        context = checkin_context(
            checkin_id=row.id, person=person, rule=rules[row.cadence_id], period=row.period,
            reminder=False, key_results=key_results.get(row.person_id, []))
        messages.append(message_row(
            key=prompt_key(row.person_id, row.cadence_id, row.period), template="checkin_prompt",
            person=person, context=context, now=now))
    return messages


def checkin_row(
    *, person_id: int, cadence_id: int, period: str, status: CheckInStatus, now: datetime | None = None,
    next_action_at: datetime | None = None, period_ends_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "person_id": person_id, "cadence_id": cadence_id, "period": period, "status": _STATUS_VALUES[status],
        "next_action_at": next_action_at, "period_ends_at": period_ends_at,
        "prompted_at": now if status == CheckInStatus.prompted else None,
        "reminders_sent": 0, "answered_at": None, "reflections": {},
    }


async def promote_pending(session: AsyncSession, rows: list[dict[str, Any]]) -> list:
    """Check-ins someone opened (`checkin`) but did not answer yet become prompted now."""
    if not rows:
        return []
    keys = [(row["person_id"], row["cadence_id"], row["period"]) for row in rows]
    by_key = {key: row for key, row in zip(keys, rows)}
    found = await session.exec(
        update(CHECKIN_TABLE)
        .where(tuple_(_C.person_id, _C.cadence_id, _C.period).in_(keys), _C.status == CheckInStatus.pending.value)
        .values(status=CheckInStatus.prompted.value)
        .returning(_C.id, _C.person_id, _C.cadence_id, _C.period)
    )
    promoted = list(found.all())
    if promoted:
        await session.exec(
            update(CHECKIN_TABLE)
            .where(_C.id == bindparam("b_id"))
            .values(
                prompted_at=bindparam("b_prompted_at"),
                next_action_at=bindparam("b_next"),
                period_ends_at=bindparam("b_ends"),
            ),
            params=[
                {
                    "b_id": row.id,
                    "b_prompted_at": by_key[(row.person_id, row.cadence_id, row.period)]["prompted_at"],
                    "b_next": by_key[(row.person_id, row.cadence_id, row.period)]["next_action_at"],
                    "b_ends": by_key[(row.person_id, row.cadence_id, row.period)]["period_ends_at"],
                }
                for row in promoted
            ],
        )
    return promoted
