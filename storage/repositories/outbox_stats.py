"""The outbox at a glance, for metrics: how many messages wait, and since when the oldest is due."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Delivery, DeliveryStatus

_D = Delivery.__table__.c
WAITING = (DeliveryStatus.pending.value, DeliveryStatus.sending.value)


async def outbox_backlog(session: AsyncSession, now: datetime) -> tuple[int, datetime | None]:
    depth = (await session.execute(select(func.count()).where(_D.status.in_(WAITING)))).scalar_one()
    oldest = (await session.execute(select(func.min(_D.next_attempt_at)).where(
        _D.status == DeliveryStatus.pending.value, _D.next_attempt_at <= now))).scalar()
    if isinstance(oldest, str):  # SQLite aggregates lose the column type
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=timezone.utc)
    return int(depth), oldest
