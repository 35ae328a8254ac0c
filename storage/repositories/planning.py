"""The planner's statements: prompt schedules, check-ins as the planner writes them, and what
it reads about a batch of people.

cadences/planner.py, lifecycle.py, checkin_messages.py and people.py decide; these functions
read and write, in the caller's transaction (`Database.transaction()`). Times are aware
datetimes, days are dates and JSON columns come back parsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, func, select, tuple_, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.bulk import Bulk
from storage.claims import claim_rows
from storage.models import Cadence, CheckIn, CheckInStatus, Delivery, LeavePeriod, Person, PromptSchedule

SCHEDULE = PromptSchedule.__table__
CHECKIN = CheckIn.__table__
DELIVERY = Delivery.__table__
_S, _P, _C = SCHEDULE.c, Person.__table__.c, CHECKIN.c
PROMPTED_COLUMNS = ("person_id", "cadence_id", "period", "status", "next_action_at", "period_ends_at", "prompted_at",
                    "reminders_sent", "answered_at", "reflections")
DELIVERY_COLUMNS = ("idempotency_key", "person_id", "team_id", "platform", "address", "template", "context",
                    "status", "attempts", "next_attempt_at", "replaces_ref", "created_at", "claimed_until")
_PROMPTED = CheckInStatus.prompted.value


class DueCheckIn(NamedTuple):
    id: int
    person_id: int
    cadence_id: int
    period: str
    status: str
    reminders_sent: int
    period_ends_at: datetime | None
    snoozed_until: datetime | None = None


# -- schedules ------------------------------------------------------------------------------

async def cadences(session: AsyncSession) -> list[Cadence]:
    return list((await session.exec(select(Cadence))).scalars().all())


async def delete_schedules_of_cadences(session: AsyncSession, cadence_ids: Sequence[int]) -> None:
    await session.exec(delete(SCHEDULE).where(_S.cadence_id.in_(list(cadence_ids))))


async def delete_schedules_of_people(session: AsyncSession, person_ids: Sequence[int]) -> None:
    await session.exec(delete(SCHEDULE).where(_S.person_id.in_(list(person_ids))))


async def people_without_schedules(session: AsyncSession, *, cadence_count: int, everyone: bool) -> list[int]:
    """Active people with fewer than `cadence_count` schedules; unless `everyone`, only those
    added since the newest schedule (an id watermark: one index lookup)."""
    if everyone:
        missing = select(_P.id).where(
            _P.active.is_(True),
            func.coalesce(select(func.count()).where(_S.person_id == _P.id).scalar_subquery(), 0) < cadence_count,
        )
    else:
        watermark = (await session.exec(select(func.max(_S.person_id)))).scalar() or 0
        missing = select(_P.id).where(_P.id > watermark, _P.active.is_(True))
    return list((await session.exec(missing)).scalars())


async def insert_schedules(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """New schedules (person_id, cadence_id, period, next_prompt_at); one a person and cadence."""
    if rows:
        await (await Bulk.of(session)).insert(SCHEDULE, rows, conflict_on=("person_id", "cadence_id"))


async def claim_due_schedules(session: AsyncSession, now: datetime, limit: int) -> list[list]:
    """Up to `limit` schedules due at `now`, locked for this transaction: (id, person_id, cadence_id, period)."""
    bulk = await Bulk.of(session)
    return await claim_rows(
        bulk, SCHEDULE, where="next_prompt_at <= ?", parameters=(bulk.time(now),), order_by="next_prompt_at",
        limit=limit, values=None, returning=("id", "person_id", "cadence_id", "period"), tuples=True,
    )


async def delete_schedules(session: AsyncSession, ids: Sequence[int]) -> None:
    if ids:
        await session.exec(delete(SCHEDULE).where(_S.id.in_(list(ids))))


async def move_schedules(session: AsyncSession, schedules: Sequence[tuple[int, str, datetime]]) -> None:
    """Each schedule (id) to its next (period, prompt time); one statement (Bulk.update_values)."""
    bulk = await Bulk.of(session)
    time_ = bulk.time
    stored: dict[datetime, Any] = {}  # shared by everyone alike in zone and calendar: encoded once
    values = []
    for schedule_id, period, at in schedules:
        encoded = stored.get(at)
        if encoded is None:
            encoded = stored[at] = time_(at)
        values.append((schedule_id, period, encoded))
    await bulk.update_values("prompt_schedule", "id", ("period", "next_prompt_at"), values)


# -- check-ins ------------------------------------------------------------------------------

async def insert_checkins(session: AsyncSession, rows: list[dict[str, Any]], *, returning: bool = False) -> list:
    """Insert check-ins, skipping any (person, cadence, period) that exists; returns new ones."""
    if not rows:
        return []
    return await (await Bulk.of(session)).insert(
        CHECKIN, rows, conflict_on=("person_id", "cadence_id", "period"),
        returning=("id", "person_id", "cadence_id", "period") if returning else (),
    )


async def insert_prompted(session: AsyncSession, prompts: list[tuple[int, int, tuple]], now: datetime) -> list:
    """Insert `prompted` check-ins (person id, cadence id, (period, next action, period end)),
    skipping any that exists; returns (id, person_id, cadence_id, period) of the new ones, the
    ids as the database gave them.

    Rows are built as stored tuples, each distinct (period, times) encoded once, since everyone
    alike in zone and calendar shares them.
    """
    bulk = await Bulk.of(session)
    time_, stamp = bulk.time, bulk.time(now)
    shared: dict[tuple, tuple] = {}
    values = []
    for person_id, cadence_id, prompt in prompts:
        stored = shared.get(prompt)
        if stored is None:
            period, next_action_at, ends = prompt
            stored = shared[prompt] = (period, _PROMPTED, time_(next_action_at), time_(ends), stamp, 0, None, "{}")
        values.append((person_id, cadence_id, *stored))
    ids = await bulk.insert_numbered(CHECKIN, PROMPTED_COLUMNS, values, conflict_on=("person_id", "cadence_id", "period"))
    return [(id_, row[0], row[1], row[2]) for id_, row in zip(ids, values) if id_ is not None]


async def insert_prompt_deliveries(
    session: AsyncSession, rows: Sequence[tuple], *, now: datetime, lease_until: datetime | None,
) -> list[int | None]:
    """Outbox rows of prompts: (key, person id, platform, address, template, context dict).

    With `lease_until` they are written claimed (status `sending`) and the id of each is
    returned (None where its key was queued before); else `pending`, and nothing is returned.
    """
    bulk = await Bulk.of(session)
    stamp = bulk.time(now)
    status, lease = ("pending", None) if lease_until is None else ("sending", bulk.time(lease_until))
    dumps = bulk.json
    values = [(key, person_id, None, platform, address, template, dumps(context), status, 0, stamp, None, stamp, lease)
              for key, person_id, platform, address, template, context in rows]
    if lease_until is None:
        await bulk.insert_values(DELIVERY, DELIVERY_COLUMNS, values, conflict_on=("idempotency_key",))
        return []
    return await bulk.insert_numbered(DELIVERY, DELIVERY_COLUMNS, values, conflict_on=("idempotency_key",))


async def promote_pending(session: AsyncSession, rows: list[dict[str, Any]]) -> list:
    """Check-ins someone opened (`checkin`) but did not answer yet become prompted now."""
    if not rows:
        return []
    keys = [(row["person_id"], row["cadence_id"], row["period"]) for row in rows]
    by_key = {key: row for key, row in zip(keys, rows)}
    found = await session.exec(
        update(CHECKIN)
        .where(tuple_(_C.person_id, _C.cadence_id, _C.period).in_(keys), _C.status == CheckInStatus.pending.value)
        .values(status=_PROMPTED)
        .returning(_C.id, _C.person_id, _C.cadence_id, _C.period)
    )
    promoted = list(found.all())
    if promoted:
        await session.exec(
            update(CHECKIN)
            .where(_C.id == bindparam("b_id"))
            .values(prompted_at=bindparam("b_prompted_at"), next_action_at=bindparam("b_next"),
                    period_ends_at=bindparam("b_ends")),
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


async def claim_checkins_needing_action(session: AsyncSession, now: datetime, limit: int) -> list[DueCheckIn]:
    """Up to `limit` check-ins whose next action is due at `now`, locked for this transaction."""
    bulk = await Bulk.of(session)
    rows = await claim_rows(
        bulk, CHECKIN, where="next_action_at <= ?", parameters=(bulk.time(now),), order_by="next_action_at",
        limit=limit, values=None,
        returning=("id", "person_id", "cadence_id", "period", "status", "reminders_sent", "period_ends_at", "snoozed_until"),
    )
    return [DueCheckIn(*row[:6], bulk.read_time(row[6]), bulk.read_time(row[7])) for row in rows]


async def step_checkins(session: AsyncSession, changes: Iterable[tuple[int, str, int, datetime | None]]) -> None:
    """Each check-in (id) to its (status, reminders sent, next action); a snooze, once acted on, is over."""
    bulk = await Bulk.of(session)
    await bulk.many(
        "UPDATE checkin SET status = ?, reminders_sent = ?, next_action_at = ?, snoozed_until = NULL WHERE id = ?",
        [(status, sent, bulk.time(next_action_at), checkin_id) for checkin_id, status, sent, next_action_at in changes],
    )


# -- people -----------------------------------------------------------------------------------

async def leave_of(session: AsyncSession, person_ids: Sequence[int], *, since: date) -> list[tuple[int, date, date]]:
    """(person id, first day, last day) of leave ending on or after `since`."""
    leave = LeavePeriod.__table__.c
    rows = await session.execute(select(leave.person_id, leave.starts_on, leave.ends_on)
                                 .where(leave.person_id.in_(list(person_ids)), leave.ends_on >= since))
    return [(row.person_id, row.starts_on, row.ends_on) for row in rows]


async def people_facts(session: AsyncSession, person_ids: Sequence[int]) -> list[tuple]:
    """(id, name, email, timezone, country, active, unreachable_reason, slack_user_id, Teams
    reference) of each person; in one step on SQLite (Driver.rows_at_once)."""
    bulk = await Bulk.of(session)
    matching, parameter = bulk.ids_in("id", person_ids)
    columns = ("id", "name", "email", "timezone", "country", "active", "unreachable_reason", "slack_user_id",
               "teams_conversation_ref")
    rows = await bulk.rows_at_once(columns, f"SELECT {', '.join(columns)} FROM person WHERE {matching}", (parameter,))
    read_json = bulk.read_json
    return [(*row[:8], read_json(row[8])) for row in rows]


async def key_results_of(session: AsyncSession, owner_ids: Sequence[int]) -> list[list]:
    """(owner_id, id, key, title, unit, baseline, target, current, confidence) of these owners'
    key results, sorted by owner and id; in one step on SQLite (Driver.rows_at_once)."""
    bulk = await Bulk.of(session)
    matching, parameter = bulk.ids_in("owner_id", owner_ids)
    columns = ("owner_id", "id", '"key"', "title", "unit", "baseline", "target", '"current"', "confidence")
    rows = await bulk.rows_at_once(
        columns, f"SELECT {', '.join(columns)} FROM key_result WHERE {matching} ORDER BY owner_id, id",
        (parameter,), reals=("baseline", "target", '"current"'))
    rows.sort()  # by owner and id (unique), the order they come in as a rule: then it costs next to nothing
    return rows
