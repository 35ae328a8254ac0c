"""Where a person stands in their check-in cadences: next prompt, open check-in, a team's statuses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Cadence, CheckIn, CheckInStatus, PromptSchedule

_AWAITING_ANSWER = (CheckInStatus.pending.value, CheckInStatus.prompted.value, CheckInStatus.reminded.value)


async def next_prompt_at(session: AsyncSession, person_id: int) -> datetime | None:
    """The earliest prompt planned for the person, over all cadences (UTC)."""
    return (await session.exec(
        select(PromptSchedule.next_prompt_at).where(PromptSchedule.person_id == person_id)
        .order_by(PromptSchedule.next_prompt_at).limit(1)
    )).first()


async def latest_prompted_open_checkin(session: AsyncSession, person_id: int) -> CheckIn | None:
    """The most recent check-in the person was prompted for and has not answered yet."""
    return (await session.exec(
        select(CheckIn).where(CheckIn.person_id == person_id, col(CheckIn.status).in_(_AWAITING_ANSWER),
                              col(CheckIn.prompted_at).is_not(None))
        .order_by(col(CheckIn.period).desc()).limit(1)
    )).first()


async def checkin_statuses(session: AsyncSession, cadence_name: str, periods: Mapping[int, str]) -> dict[int, str]:
    """Each person's check-in status for their own current period ({person id: period}) in a cadence."""
    cadence = (await session.exec(select(Cadence).where(Cadence.name == cadence_name))).first()
    if cadence is None or not periods:
        return {}
    rows = (await session.exec(
        select(CheckIn).where(col(CheckIn.person_id).in_(list(periods)), CheckIn.cadence_id == cadence.id,
                              col(CheckIn.period).in_(set(periods.values())))
    )).all()
    return {row.person_id: str(row.status) for row in rows if periods.get(row.person_id) == row.period}
