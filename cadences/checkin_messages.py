"""Check-in prompts and reminders as outbox rows, and the check-in rows that go with them.

The context of `checkin_prompt` / `checkin_reminder` is the one their templates read (messages/samples.py):
checkin_id, person {name, email}, cadence, kind, period, period_label, reminder, key_results.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.calendar import local_instant, zone
from cadences.notifier import OutboundMessage
from cadences.people import PersonFacts
from cadences.periods import period_label
from cadences.settings import CadenceRule
from storage.models import CheckInStatus, DeliveryStatus
from storage.repositories import planning

MAX_DAYS_TO_NEXT_WORKING_DAY = 21
_STATUS_VALUES = {status: status.value for status in CheckInStatus}
_PENDING = DeliveryStatus.pending.value  # a plain string, looked up once: `.value` per row adds up


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
    return await planning.insert_checkins(session, rows, returning=returning)


async def insert_prompted(session: AsyncSession, prompts: list[tuple[int, int, tuple]], now: datetime) -> list:
    """Insert `prompted` check-ins (person id, cadence id, (period, next action, period end)),
    skipping any that exists; returns (id, person_id, cadence_id, period) of the new ones."""
    return await planning.insert_prompted(session, prompts, now)


async def enqueue_prompts(
    session: AsyncSession, created: list, *, people: dict[int, PersonFacts], rules: dict[int, CadenceRule],
    key_results: dict[int, list[dict[str, Any]]], now: datetime, lease_until: datetime | None,
) -> list[OutboundMessage]:
    """Queue the `checkin_prompt` of each new check-in (rows of id, person_id, cadence_id, period).

    With `lease_until` the rows are written already claimed by this process (status `sending`,
    see DeliverySender.send_claimed) and returned as messages to send; else they are `pending`
    for the sender and nothing is returned.
    """
    rows = []
    for checkin_id, person_id, cadence_id, period in created:
        person = people[person_id]
        context = checkin_context(
            checkin_id=checkin_id, person=person, rule=rules[cadence_id], period=period,
            reminder=False, key_results=key_results.get(person_id, []))
        rows.append((prompt_key(person_id, cadence_id, period), person_id, person.platform, person.address,
                     "checkin_prompt", context))
    ids = await planning.insert_prompt_deliveries(session, rows, now=now, lease_until=lease_until)
    return [
        OutboundMessage(delivery_id=delivery_id, idempotency_key=key, platform=platform, address=address,
                        template=template, context=context, person_id=person_id)
        for (key, person_id, platform, address, template, context), delivery_id in zip(rows, ids)
        if delivery_id is not None  # else queued before (another process, an earlier crash)
    ]


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
    return await planning.promote_pending(session, rows)
