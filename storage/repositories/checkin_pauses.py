"""Check-ins a person puts off: snoozed until a chosen instant, or skipped for the period.

A snooze sets `snoozed_until` and `next_action_at` to that instant: the lifecycle step
(cadences.lifecycle) sends one reminder then, counted toward the reminder limit. A skip makes
the check-in `skipped` (never `missed`), with the reason given, and stops its reminders.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CheckIn, CheckInStatus

WAITING = (CheckInStatus.pending, CheckInStatus.prompted, CheckInStatus.reminded)
PROMPTED = (CheckInStatus.prompted, CheckInStatus.reminded)
REASON_MAX = 200


async def waiting_checkins(session: AsyncSession, person_id: int, *, now: datetime) -> list[CheckIn]:
    """The person's check-ins still open to an answer (prompted first, then newest)."""
    rows = await session.exec(
        select(CheckIn)
        .where(CheckIn.person_id == person_id, CheckIn.status.in_([s.value for s in WAITING]))  # type: ignore[attr-defined]
        .order_by(CheckIn.id.desc())  # type: ignore[union-attr]
    )
    found = [c for c in rows.all() if c.period_ends_at is None or c.period_ends_at > now]
    return sorted(found, key=lambda c: c.status not in PROMPTED)


async def snooze_checkin(session: AsyncSession, checkin: CheckIn, until: datetime) -> None:
    checkin.snoozed_until = until
    checkin.next_action_at = until
    session.add(checkin)
    await session.flush()


async def skip_checkin(session: AsyncSession, checkin: CheckIn, reason: str) -> None:
    checkin.status = CheckInStatus.skipped
    checkin.skip_reason = reason.strip()[:REASON_MAX] or None
    checkin.next_action_at = None
    checkin.snoozed_until = None
    session.add(checkin)
    await session.flush()
