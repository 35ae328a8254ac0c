"""Reads and writes the win flow needs (cadences/wins.py decides what to announce or draft)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CheckIn, KeyResult, KRUpdate, Objective, Outcome, Win, WinStatus

_WIN = Win.__table__


async def key_result_and_outcome_titles(session: AsyncSession, key_result_id: int) -> tuple[str | None, str | None]:
    """The key result's title and its outcome's (None for what does not exist)."""
    row = (await session.exec(
        select(KeyResult.title, Outcome.title)
        .join(Objective, Objective.id == KeyResult.objective_id)
        .outerjoin(Outcome, Outcome.id == Objective.outcome_id)
        .where(KeyResult.id == key_result_id)
    )).first()
    return (row[0], row[1]) if row is not None else (None, None)


async def values_answered_before(session: AsyncSession, checkin_id: int, kr_ids: Iterable[int]) -> dict[int, float]:
    """Each key result's value in the check-in answered last before check-in `checkin_id`."""
    latest = (
        select(KRUpdate.key_result_id, func.max(CheckIn.answered_at).label("at"))
        .join(CheckIn, CheckIn.id == KRUpdate.checkin_id)
        .where(KRUpdate.key_result_id.in_(list(kr_ids)), CheckIn.id != checkin_id, CheckIn.answered_at.is_not(None))
        .group_by(KRUpdate.key_result_id)
        .subquery()
    )
    rows = await session.exec(
        select(KRUpdate.key_result_id, KRUpdate.value)
        .join(CheckIn, CheckIn.id == KRUpdate.checkin_id)
        .join(latest, (latest.c.key_result_id == KRUpdate.key_result_id) & (latest.c.at == CheckIn.answered_at))
    )
    return dict(rows.all())


async def mark_win_approved(session: AsyncSession, win_id: int) -> None:
    await session.execute(update(_WIN).where(_WIN.c.id == win_id).values(status=WinStatus.approved.value))
