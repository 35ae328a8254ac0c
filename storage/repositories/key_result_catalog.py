"""Every key result with the outcome, objective and owner it belongs to (the API's listing)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import KeyResult, Objective, Outcome, Person


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    key_result: KeyResult
    objective: Objective
    outcome: Outcome
    owner_email: str | None


async def all_key_results(session: AsyncSession) -> list[CatalogEntry]:
    rows = await session.exec(
        select(KeyResult, Objective, Outcome, Person.email)
        .join(Objective, KeyResult.objective_id == Objective.id)
        .join(Outcome, Objective.outcome_id == Outcome.id)
        .join(Person, Person.id == KeyResult.owner_id, isouter=True)
        .order_by(Outcome.key, Objective.id, KeyResult.key)
    )
    return [CatalogEntry(kr, objective, outcome, email) for kr, objective, outcome, email in rows.all()]
