"""Leave periods (`away FROM to UNTIL`): a person's days off, inclusive on both ends."""

from __future__ import annotations

from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import LeavePeriod


async def leave_from(session: AsyncSession, person_id: int, day: date) -> list[LeavePeriod]:
    """The person's leave that has not ended before `day`, earliest first."""
    rows = await session.exec(
        select(LeavePeriod)
        .where(LeavePeriod.person_id == person_id, LeavePeriod.ends_on >= day)
        .order_by(LeavePeriod.starts_on, LeavePeriod.id)  # type: ignore[arg-type]
    )
    return list(rows.all())


async def add_leave(session: AsyncSession, person_id: int, starts_on: date, ends_on: date) -> LeavePeriod:
    leave = LeavePeriod(person_id=person_id, starts_on=starts_on, ends_on=ends_on)
    session.add(leave)
    await session.flush()
    return leave


async def remove_leave(session: AsyncSession, leave: LeavePeriod) -> None:
    await session.delete(leave)
    await session.flush()
