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
from storage.models import CheckIn, CheckInStatus, Delivery, DeliveryStatus

CHECKIN_TABLE = CheckIn.__table__
DELIVERY_TABLE = Delivery.__table__
_C = CHECKIN_TABLE.c
MAX_DAYS_TO_NEXT_WORKING_DAY = 21
# Plain strings, looked up once: an enum's `.value` costs microseconds, per row adds up.
_PENDING, _SENDING = DeliveryStatus.pending.value, DeliveryStatus.sending.value
_PROMPTED = CheckInStatus.prompted.value
_PROMPTED_COLUMNS = ("person_id", "cadence_id", "period", "status", "next_action_at", "period_ends_at", "prompted_at",
                     "reminders_sent", "answered_at", "reflections")
_DELIVERY_COLUMNS = ("idempotency_key", "person_id", "team_id", "platform", "address", "template", "context",
                     "status", "attempts", "next_attempt_at", "replaces_ref", "created_at", "claimed_until")
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


async def insert_prompted(bulk: Bulk, prompts: list[tuple[int, int, tuple]], now: datetime) -> list:
    """Insert `prompted` check-ins (person id, cadence id, (period, next action, period end)),
    skipping any that exists; returns (id, person_id, cadence_id, period) of the new ones.

    The fan-out's path: rows are built as stored tuples, each distinct (period, times) encoded
    once, since everyone alike in zone and calendar shares them.
    """
    time_, stamp = bulk.time, bulk.time(now)
    shared: dict[tuple, tuple] = {}
    values = []
    for person_id, cadence_id, prompt in prompts:
        stored = shared.get(prompt)
        if stored is None:
            period, next_action_at, ends = prompt
            stored = shared[prompt] = (period, _PROMPTED, time_(next_action_at), time_(ends), stamp, 0, None, "{}")
        values.append((person_id, cadence_id, *stored))
    ids = await bulk.insert_numbered(CHECKIN_TABLE, _PROMPTED_COLUMNS, values,
                                     conflict_on=("person_id", "cadence_id", "period"))
    return [(id_, row[0], row[1], row[2]) for id_, row in zip(ids, values) if id_ is not None]


async def enqueue_prompts(
    bulk: Bulk, created: list, *, people: dict[int, PersonFacts], rules: dict[int, CadenceRule],
    key_results: dict[int, list[dict[str, Any]]], now: datetime, lease_until: datetime | None,
) -> list[OutboundMessage]:
    """Queue the `checkin_prompt` of each new check-in (rows of id, person_id, cadence_id, period).

    With `lease_until` the rows are written already claimed by this process (status `sending`,
    see DeliverySender.send_claimed) and returned as messages to send; else they are `pending`
    for the sender and nothing is returned.
    """
    stamp = bulk.time(now)
    status, lease = (_PENDING, None) if lease_until is None else (_SENDING, bulk.time(lease_until))
    dumps = bulk.json
    values, contexts = [], []
    for checkin_id, person_id, cadence_id, period in created:
        person = people[person_id]
        context = checkin_context(
            checkin_id=checkin_id, person=person, rule=rules[cadence_id], period=period,
            reminder=False, key_results=key_results.get(person_id, []))
        contexts.append(context)
        values.append((prompt_key(person_id, cadence_id, period), person_id, None, person.platform, person.address,
                       "checkin_prompt", dumps(context), status, 0, stamp, None, stamp, lease))
    if lease_until is None:
        await bulk.insert_values(DELIVERY_TABLE, _DELIVERY_COLUMNS, values, conflict_on=("idempotency_key",))
        return []
    ids = await bulk.insert_numbered(DELIVERY_TABLE, _DELIVERY_COLUMNS, values, conflict_on=("idempotency_key",))
    messages = []
    for (key, person_id, _, platform, address, template, *_), context, delivery_id in zip(values, contexts, ids):
        if delivery_id is not None:  # else queued before (another process, an earlier crash)
            messages.append(OutboundMessage(
                delivery_id=delivery_id, idempotency_key=key, platform=platform, address=address, template=template,
                context=context, person_id=person_id))
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
