"""The configuration's mirror in the database: cadences and teams read by name."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Cadence, Team


async def cadences_by_name(session: AsyncSession) -> dict[str, Cadence]:
    return {row.name: row for row in (await session.exec(select(Cadence))).all()}


async def teams_named(session: AsyncSession, names: Iterable[str]) -> list[Team]:
    return list((await session.exec(select(Team).where(Team.name.in_(list(names))))).all())  # type: ignore[attr-defined]
