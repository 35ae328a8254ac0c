"""Pull sources' state: which are due, claiming them, and recording how a fetch went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.api_tables import KeyResultSource
from storage.models import KeyResult

ERROR_MAX = 500


@dataclass(frozen=True, slots=True)
class DueSource:
    source: KeyResultSource
    key_result: KeyResult


def _due(now: datetime):
    return or_(KeyResultSource.next_attempt_at.is_(None), KeyResultSource.next_attempt_at <= now)  # type: ignore[union-attr]


async def claim_due_sources(session: AsyncSession, now: datetime, lease: timedelta) -> list[DueSource]:
    """Sources due at `now`, leased until `now + lease` so another process leaves them alone
    (row locks skip those another transaction holds, on PostgreSQL)."""
    rows = await session.exec(
        select(KeyResultSource, KeyResult).join(KeyResult, KeyResult.id == KeyResultSource.key_result_id)
        .where(_due(now)).order_by(KeyResultSource.id).with_for_update(skip_locked=True, of=KeyResultSource)
    )
    due = [DueSource(source, kr) for source, kr in rows.all()]
    for item in due:
        item.source.next_attempt_at = now + lease
        session.add(item.source)
    return due


async def all_sources(session: AsyncSession) -> list[DueSource]:
    rows = await session.exec(
        select(KeyResultSource, KeyResult).join(KeyResult, KeyResult.id == KeyResultSource.key_result_id)
        .order_by(KeyResult.key)
    )
    return [DueSource(source, kr) for source, kr in rows.all()]


async def record_success(session: AsyncSession, source_id: int, value: float, now: datetime, next_at: datetime) -> None:
    source = await session.get(KeyResultSource, source_id)
    if source is not None:
        source.last_success_at, source.last_value, source.failures, source.next_attempt_at = now, value, 0, next_at
        session.add(source)


async def record_failure(session: AsyncSession, source_id: int, error: str, now: datetime, next_at: datetime) -> None:
    source = await session.get(KeyResultSource, source_id)
    if source is not None:
        source.last_error, source.last_error_at = error[:ERROR_MAX], now
        source.failures, source.next_attempt_at = source.failures + 1, next_at
        session.add(source)
