"""Mirror app.yaml's cadences into the Cadence table so check-ins can reference them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.settings import CadenceRule
from storage.models import Cadence


async def sync_cadences(session: AsyncSession, rules: Iterable[CadenceRule]) -> dict[str, Cadence]:
    """Insert or update a Cadence row per rule (by name); returns them by name. Caller commits."""
    existing = {row.name: row for row in (await session.exec(select(Cadence))).all()}
    result: dict[str, Cadence] = {}
    for rule in rules:
        row = existing.get(rule.name) or Cadence(name=rule.name, every=rule.every, on=rule.on, at=rule.at)
        row.every, row.on, row.at, row.questions = rule.every, rule.on, rule.at, list(rule.questions)
        session.add(row)
        result[rule.name] = row
    await session.flush()
    return result
