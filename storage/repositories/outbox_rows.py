"""The outbox's statements: claiming due deliveries, their leases, recording what sending did.

cadences/sender.py, send_results.py and delivery_targets.py decide; these functions read and
write. Statements run in the caller's transaction (`Database.transaction()`); times are
aware datetimes and JSON columns come back parsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.bulk import Bulk, one_of
from storage.claims import Claim, claim
from storage.models import (
    CheckIn, CheckInStatus, Delivery, DeliveryStatus, Person, ProcessedEvent, Win, WinStatus,
)

DELIVERY = Delivery.__table__
_D = DELIVERY.c
_SENT, _SENDING = DeliveryStatus.sent.value, DeliveryStatus.sending.value  # enum .value is slow per row
_CLOSED_CHECKIN = (CheckInStatus.answered.value, CheckInStatus.missed.value, CheckInStatus.skipped.value)
_OUTCOME_SET = {
    "status": "v.status", "attempts": "v.attempts", "sent_at": "v.sent_at", "message_ref": "v.message_ref",
    "last_error": "v.last_error", "claimed_until": "NULL", "next_attempt_at": "COALESCE(v.next_at, delivery.next_attempt_at)",
}
CLAIMED_COLUMNS = ("id", "idempotency_key", "platform", "address", "template", "context", "person_id",
                   "replaces_ref", "attempts")
_DUE_DELIVERIES = Claim(DELIVERY, where=(_D.status == DeliveryStatus.pending.value) & (_D.next_attempt_at <= bindparam("now")),
                        order_by=_D.next_attempt_at, returning=CLAIMED_COLUMNS,
                        sets={"status": "sending", "claimed_until": "lease"})
_RECLAIM = (update(DELIVERY).where(_D.status == _SENDING, _D.claimed_until < bindparam("now", type_=_D.claimed_until.type))
            .values(status=DeliveryStatus.pending.value, claimed_until=None).returning(_D.id))
_WIN = Win.__table__.c


def _announced_wins(postgres: bool):
    sent = select(_D.win_id).where(one_of(_D.id, "ids", postgres=postgres), _D.status == _SENT, _D.win_id.is_not(None))
    return (update(Win.__table__).where(_WIN.status == WinStatus.approved.value, _WIN.id.in_(sent.scalar_subquery()))
            .values(status=WinStatus.posted.value))


_ANNOUNCED_WINS = {postgres: _announced_wins(postgres) for postgres in (False, True)}


async def insert_deliveries(session: AsyncSession, rows: Sequence[Mapping[str, Any]], *, returning: bool = False) -> list:
    """Insert many deliveries at once; rows whose idempotency key exists are skipped.

    With `returning`, the (id, idempotency_key) of each row actually inserted.
    """
    if not rows:
        return []
    bulk = await Bulk.of(session)
    return await bulk.insert(DELIVERY, rows, conflict_on=("idempotency_key",),
                             returning=("id", "idempotency_key") if returning else ())


def insert_deliveries_on(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """`insert_deliveries` for a few rows on a synchronous SQLite connection (inside
    `Database.write_on_thread`: a check-in submission's notes), as one Core statement."""
    if rows:
        connection.execute(sqlite_insert(DELIVERY).values(list(rows)).on_conflict_do_nothing(index_elements=["idempotency_key"]))


async def reclaim_expired_deliveries(session: AsyncSession, now: datetime) -> int:
    """Rows left `sending` past their lease go back to `pending`; how many."""
    return len(await (await Bulk.of(session)).scalars(_RECLAIM, {"now": now}))  # every tick: built once


async def claim_due_deliveries(session: AsyncSession, now: datetime, lease_until: datetime, limit: int) -> list[tuple]:
    """Claim up to `limit` pending deliveries due at `now` (status `sending` until `lease_until`);
    their CLAIMED_COLUMNS, the context parsed."""
    rows = await claim(await Bulk.of(session), _DUE_DELIVERIES,
                       {"now": now, "limit": limit, "sending": _SENDING, "lease": lease_until})
    return [(row.id, row.idempotency_key, row.platform, row.address, row.template, row.context or {}, row.person_id,
             row.replaces_ref, row.attempts) for row in rows]


async def cancel_for_closed_checkins(session: AsyncSession, deliveries_by_checkin: Mapping[int, int], reason: str) -> list[int]:
    """Cancel the deliveries (values) whose check-in (keys) is already closed; their ids."""
    if not deliveries_by_checkin:
        return []
    checkin = CheckIn.__table__.c
    closed = (await session.execute(select(checkin.id).where(
        checkin.id.in_(list(deliveries_by_checkin)), checkin.status.in_(_CLOSED_CHECKIN)))).scalars().all()
    if not closed:
        return []
    cancel = [deliveries_by_checkin[checkin_id] for checkin_id in closed]
    await session.execute(update(DELIVERY).where(_D.id.in_(cancel)).values(
        status=DeliveryStatus.cancelled.value, claimed_until=None, last_error=reason))
    return cancel


async def renew_lease(session: AsyncSession, delivery_ids: Iterable[int], *, held_until: datetime, renewed: datetime) -> None:
    """Extend to `renewed` the lease of these rows still `sending` under the lease `held_until`."""
    await session.execute(update(DELIVERY).where(
        _D.id.in_(list(delivery_ids)), _D.status == _SENDING, _D.claimed_until == held_until).values(claimed_until=renewed))


async def release_unsent(session: AsyncSession, delivery_ids: Iterable[int], *, held_until: datetime) -> None:
    """These rows, if still `sending` under the lease `held_until`, go back to `pending` now."""
    await session.execute(update(DELIVERY).where(
        _D.id.in_(list(delivery_ids)), _D.status == _SENDING, _D.claimed_until == held_until,
    ).values(status=DeliveryStatus.pending.value, claimed_until=None))


async def release_leases(session: AsyncSession, leases: Sequence[datetime]) -> int:
    """Rows still `sending` under any of these leases go back to `pending` (shutdown); how many."""
    found = await session.execute(
        update(DELIVERY).where(_D.status == _SENDING, _D.claimed_until.in_(list(leases)))
        .values(status=DeliveryStatus.pending.value, claimed_until=None)
    )
    return found.rowcount or 0


async def write_send_outcomes(
    session: AsyncSession, updates: list[tuple], unreachable: Mapping[int, str], lease_until: datetime,
    announced: Sequence[int] = (),
) -> None:
    """Write what sending did, only where a row is still `sending` under `lease_until`.

    `updates`: (status, attempts, sent_at, message ref, error, next attempt, delivery id);
    `unreachable`: person id → reason (the person is marked, their pending rows cancelled);
    `announced`: deliveries that sent a win's announcement, whose wins become posted (only
    where the delivery is now recorded as sent, i.e. under this lease).
    """
    bulk = await Bulk.of(session)
    await bulk.update_values(
        DELIVERY, "id", ("status", "attempts", "sent_at", "message_ref", "last_error", "next_at"),
        [(delivery_id, status, attempts, sent_at, ref, error, next_at)
         for status, attempts, sent_at, ref, error, next_at, delivery_id in updates],
        like={"next_at": "next_attempt_at", "lease": "claimed_until", "sending": "status"}, assign=_OUTCOME_SET,
        where="delivery.claimed_until = :lease AND delivery.status = :sending",
        parameters={"lease": lease_until, "sending": _SENDING},
    )
    if announced:  # one statement for all of them
        await bulk.rows(_ANNOUNCED_WINS[bulk.postgres], {"ids": bulk.ids(announced)})
    person = Person.__table__.c
    for person_id, reason in unreachable.items():
        await session.execute(update(Person.__table__).where(person.id == person_id).values(unreachable_reason=reason))
        await session.execute(update(DELIVERY).where(_D.person_id == person_id, _D.status == DeliveryStatus.pending.value)
                              .values(status=DeliveryStatus.cancelled.value, last_error=f"person unreachable: {reason}"[:500]))


async def readdress(session: AsyncSession, moves: Iterable[tuple[int, str, str]]) -> None:
    """Record where deliveries go now: (delivery id, platform, address)."""
    moves = [{"b_id": delivery_id, "b_platform": platform, "b_address": address} for delivery_id, platform, address in moves]
    if moves:
        await session.execute(update(DELIVERY).where(_D.id == bindparam("b_id"))
                              .values(platform=bindparam("b_platform"), address=bindparam("b_address")), moves)


async def delete_processed_events_before(session: AsyncSession, before: datetime, *, limit: int) -> int:
    """Delete up to `limit` of the oldest processed-event records received before `before`; how many."""
    event = ProcessedEvent.__table__.c
    oldest = select(event.id, event.received_at).order_by(event.id).limit(limit).subquery("oldest")
    gone = await session.execute(
        delete(ProcessedEvent.__table__)
        .where(event.id.in_(select(oldest.c.id).where(oldest.c.received_at < before)))
        .returning(event.id)
    )
    return len(gone.all())
