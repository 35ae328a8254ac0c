"""Blockers people reported, for the `blockers` command and managers' views."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Blocker, BlockerStatus

_NOT_RESOLVED = (BlockerStatus.open.value, BlockerStatus.acknowledged.value)


async def open_blockers_of_people(session: AsyncSession, person_ids: Iterable[int]) -> list[Blocker]:
    """Blockers not yet resolved (open or acknowledged), oldest first."""
    ids = set(person_ids)
    if not ids:
        return []
    result = await session.exec(
        select(Blocker)
        .where(Blocker.person_id.in_(ids), Blocker.status.in_(_NOT_RESOLVED))  # type: ignore[attr-defined]
        .order_by(Blocker.created_at, Blocker.id)
    )
    return list(result.all())


async def open_blockers_of(session: AsyncSession, person_id: int) -> list[Blocker]:
    return await open_blockers_of_people(session, [person_id])
