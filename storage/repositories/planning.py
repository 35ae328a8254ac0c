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

from sqlalchemy import bindparam, delete, func, select, text, tuple_, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.bulk import Bulk, one_of
from storage.claims import Claim, claim
from storage.identities import NO_IDENTITIES, PersonIdentity, identities_from_rows
from storage.models import Cadence, CheckIn, CheckInStatus, Delivery, KeyResult, LeavePeriod, Person, PromptSchedule

SCHEDULE = PromptSchedule.__table__
CHECKIN = CheckIn.__table__
DELIVERY = Delivery.__table__
_S, _P, _C = SCHEDULE.c, Person.__table__.c, CHECKIN.c
# the columns that differ from row to row (the others are the same for the whole batch)
PROMPTED_COLUMNS = ("person_id", "cadence_id", "period", "next_action_at", "period_ends_at")
DELIVERY_COLUMNS = ("idempotency_key", "person_id", "platform", "address", "template", "context")
_PROMPTED = CheckInStatus.prompted.value
_DUE_SCHEDULES = Claim(SCHEDULE, where=_S.next_prompt_at <= bindparam("now"), order_by=_S.next_prompt_at,
                       returning=("id", "person_id", "cadence_id", "period"))
_CHECKINS_NEEDING_ACTION = Claim(
    CHECKIN, where=_C.next_action_at <= bindparam("now"), order_by=_C.next_action_at,
    returning=("id", "person_id", "cadence_id", "period", "status", "reminders_sent", "period_ends_at", "snoozed_until"))
_STEP_CHECKIN = text("UPDATE checkin SET status = :status, reminders_sent = :sent, next_action_at = :next_action_at,"
                     " snoozed_until = NULL WHERE id = :id").bindparams(bindparam("next_action_at", type_=_C.next_action_at.type))
_PEOPLE_FACT_COLUMNS = ("id", "name", "email", "timezone", "country", "active", "unreachable_reason")


def _by_dialect(build):  # a statement built once for each database
    built = {postgres: build(postgres) for postgres in (False, True)}
    return lambda bulk: built[bulk.postgres]


_PEOPLE = _by_dialect(lambda postgres: select(*(_P[name] for name in _PEOPLE_FACT_COLUMNS))
                      .where(one_of(_P.id, "ids", postgres=postgres)))
_IDENTITY = PersonIdentity.__table__.c
_IDENTITIES = _by_dialect(lambda postgres: select(
    _IDENTITY.person_id, _IDENTITY.platform, _IDENTITY.external_id, _IDENTITY.tenant, _IDENTITY.conversation_ref,
).where(one_of(_IDENTITY.person_id, "ids", postgres=postgres)))
_NEWCOMERS = select(_P.id).where(_P.id > func.coalesce(select(func.max(_S.person_id)).scalar_subquery(), 0),
                                 _P.active.is_(True))
_LEAVE_C = LeavePeriod.__table__.c
_LEAVE = _by_dialect(lambda postgres: select(_LEAVE_C.person_id, _LEAVE_C.starts_on, _LEAVE_C.ends_on).where(
    one_of(_LEAVE_C.person_id, "ids", postgres=postgres), _LEAVE_C.ends_on >= bindparam("since", type_=_LEAVE_C.ends_on.type)))
_KR = KeyResult.__table__.c
_KEY_RESULTS = _by_dialect(lambda postgres: select(
    _KR.owner_id, _KR.id, _KR.key, _KR.title, _KR.unit, _KR.baseline, _KR.target, _KR.current, _KR.confidence,
).where(one_of(_KR.owner_id, "ids", postgres=postgres)).order_by(_KR.owner_id, _KR.id))


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
    else:  # every tick asks: one statement, built once
        return await (await Bulk.of(session)).scalars(_NEWCOMERS)
    return list((await session.exec(missing)).scalars())


async def insert_schedules(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """New schedules (person_id, cadence_id, period, next_prompt_at); one a person and cadence."""
    if rows:
        await (await Bulk.of(session)).insert(SCHEDULE, rows, conflict_on=("person_id", "cadence_id"))


async def claim_due_schedules(session: AsyncSession, now: datetime, limit: int) -> list[tuple]:
    """Up to `limit` schedules due at `now`, locked for this transaction: (id, person_id, cadence_id, period)."""
    return await claim(await Bulk.of(session), _DUE_SCHEDULES, {"now": now, "limit": limit})


async def delete_schedules(session: AsyncSession, ids: Sequence[int]) -> None:
    if ids:
        await session.exec(delete(SCHEDULE).where(_S.id.in_(list(ids))))


async def move_schedules(session: AsyncSession, schedules: Sequence[tuple[int, str, datetime]]) -> None:
    """Each schedule (id) to its next (period, prompt time); one statement (Bulk.update_values)."""
    await (await Bulk.of(session)).update_values(SCHEDULE, "id", ("period", "next_prompt_at"), schedules)


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

    """
    bulk = await Bulk.of(session)
    values = [(person_id, cadence_id, *prompt) for person_id, cadence_id, prompt in prompts]
    ids = await bulk.insert_numbered(
        CHECKIN, PROMPTED_COLUMNS, values, conflict_on=("person_id", "cadence_id", "period"),
        constants={"status": _PROMPTED, "prompted_at": now, "reminders_sent": 0, "answered_at": None, "reflections": {}})
    return [(id_, row[0], row[1], row[2]) for id_, row in zip(ids, values) if id_ is not None]


async def insert_prompt_deliveries(
    session: AsyncSession, rows: Sequence[tuple], *, now: datetime, lease_until: datetime | None,
) -> list[int | None]:
    """Outbox rows of prompts: (key, person id, platform, address, template, context dict).

    With `lease_until` they are written claimed (status `sending`) and the id of each is
    returned (None where its key was queued before); else `pending`, and nothing is returned.
    """
    bulk = await Bulk.of(session)
    constants = {"team_id": None, "status": "pending" if lease_until is None else "sending", "attempts": 0,
                 "next_attempt_at": now, "replaces_ref": None, "created_at": now, "claimed_until": lease_until}
    if lease_until is None:
        await bulk.insert_values(DELIVERY, DELIVERY_COLUMNS, rows, constants=constants, conflict_on=("idempotency_key",))
        return []
    return await bulk.insert_numbered(DELIVERY, DELIVERY_COLUMNS, rows, constants=constants,
                                      conflict_on=("idempotency_key",))


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
    rows = await claim(await Bulk.of(session), _CHECKINS_NEEDING_ACTION, {"now": now, "limit": limit})
    return [DueCheckIn(row.id, row.person_id, row.cadence_id, row.period, row.status, row.reminders_sent,
                       row.period_ends_at, row.snoozed_until) for row in rows]


async def step_checkins(session: AsyncSession, changes: Iterable[tuple[int, str, int, datetime | None]]) -> None:
    """Each check-in (id) to its (status, reminders sent, next action); a snooze, once acted on, is over."""
    rows = [{"status": status, "sent": sent, "next_action_at": next_action_at, "id": checkin_id}
            for checkin_id, status, sent, next_action_at in changes]
    if rows:
        await session.execute(_STEP_CHECKIN, rows)


# -- people -----------------------------------------------------------------------------------

async def leave_of(session: AsyncSession, person_ids: Sequence[int], *, since: date) -> list[tuple[int, date, date]]:
    """(person id, first day, last day) of leave ending on or after `since`."""
    bulk = await Bulk.of(session)
    rows = await bulk.rows_at_once(_LEAVE(bulk), {"ids": bulk.ids(person_ids), "since": since})
    return [(row.person_id, row.starts_on, row.ends_on) for row in rows]


async def people_facts(session: AsyncSession, person_ids: Sequence[int]) -> list[tuple]:
    """(id, name, email, timezone, country, active, unreachable_reason, {platform: ChatIdentity})
    of each person; each read in one step on SQLite (Bulk.rows_at_once)."""
    bulk = await Bulk.of(session)
    ids = {"ids": bulk.ids(person_ids)}
    rows = await bulk.rows_at_once(_PEOPLE(bulk), ids)
    found = await bulk.rows_at_once(_IDENTITIES(bulk), ids)
    identities = identities_from_rows((row.person_id, row.platform, row.external_id, row.tenant, row.conversation_ref)
                                      for row in found)
    return [(row.id, row.name, row.email, row.timezone, row.country, row.active, row.unreachable_reason,
             identities.get(row.id, NO_IDENTITIES)) for row in rows]


async def key_results_of(session: AsyncSession, owner_ids: Sequence[int]) -> list[tuple]:
    """(owner_id, id, key, title, unit, baseline, target, current, confidence) of these owners'
    key results, sorted by owner and id; in one step on SQLite (Bulk.rows_at_once)."""
    bulk = await Bulk.of(session)
    rows = await bulk.rows_at_once(_KEY_RESULTS(bulk), {"ids": bulk.ids(owner_ids)})
    rows.sort()  # by owner and id (unique), the order they come in as a rule: then it costs next to nothing
    return rows
