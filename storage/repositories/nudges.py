"""Coaching nudges as people read them back (`nudges`, `nudges @person`)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import KeyResult, Nudge


async def nudges_about(session: AsyncSession, report_id: int, *, since: datetime) -> list[tuple[Nudge, KeyResult | None]]:
    """Nudges sent about a person since `since`, newest first, with the key result each concerns."""
    rows = await session.exec(
        select(Nudge, KeyResult)
        .outerjoin(KeyResult, KeyResult.id == Nudge.key_result_id)
        .where(Nudge.report_id == report_id, Nudge.sent_at >= since)  # type: ignore[operator]
        .order_by(Nudge.sent_at.desc(), Nudge.id.desc())  # type: ignore[union-attr]
    )
    return list(rows.all())
