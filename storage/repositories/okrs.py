"""Outcomes, objectives and key results as the chat commands show them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import KeyResult, Objective, Outcome


@dataclass(frozen=True, slots=True)
class OwnedKeyResult:
    """A key result with the objective and outcome it serves."""

    key_result: KeyResult
    objective: Objective
    outcome: Outcome


@dataclass(slots=True)
class ObjectiveProgress:
    objective: Objective
    key_results: list[KeyResult] = field(default_factory=list)

    @property
    def progress(self) -> float:
        if not self.key_results:
            return 0.0
        return sum(kr.progress() for kr in self.key_results) / len(self.key_results)


@dataclass(slots=True)
class OutcomeProgress:
    outcome: Outcome
    objectives: list[ObjectiveProgress] = field(default_factory=list)

    @property
    def progress(self) -> float:
        krs = [kr for objective in self.objectives for kr in objective.key_results]
        if not krs:
            return 0.0
        return sum(kr.progress() for kr in krs) / len(krs)


T = TypeVar("T")
_PERIOD = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|H([12])|(\d{2})))?$")


def period_start(period: str) -> date | None:
    """First day of an OKR period written as 2026, 2026-H2, 2026-Q4 or 2026-11; None if unknown."""
    match = _PERIOD.match(period.strip().upper())
    if not match:
        return None
    year, quarter, half, month = match.groups()
    if quarter:
        return date(int(year), 3 * int(quarter) - 2, 1)
    if half:
        return date(int(year), 1 if half == "1" else 7, 1)
    if month and 1 <= int(month) <= 12:
        return date(int(year), int(month), 1)
    return date(int(year), 1, 1) if not month else None


def _objective_period(item: OwnedKeyResult) -> str:
    return item.objective.period


def current_only(owned: list[T], on: date, *, period: Callable[[T], str] = _objective_period) -> list[T]:  # type: ignore[assignment]
    """Keep the key results of the latest OKR period that has started by `on`.

    When a new quarter's OKRs are imported, last quarter's drop out of check-ins; when only
    future periods exist, the earliest is shown. Periods in an unknown format always stay.
    `period` gives an item's objective period (items are `OwnedKeyResult`s by default).
    """
    starts = {period(item): period_start(period(item)) for item in owned}
    known = sorted({start for start in starts.values() if start is not None})
    if not known:
        return owned
    started = [start for start in known if start <= on]
    chosen = started[-1] if started else known[0]
    return [item for item in owned if starts[period(item)] in (None, chosen)]


async def key_results_of(session: AsyncSession, person_id: int, *, on: date | None = None) -> list[OwnedKeyResult]:
    """The key results a person owns, grouped by outcome then objective (stable order).

    With `on`, only those of the OKR period current on that date (see `current_only`).
    """
    owned = (await key_results_of_people(session, [person_id])).get(person_id, [])
    return owned if on is None else current_only(owned, on)


async def key_results_of_people(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, list[OwnedKeyResult]]:
    ids = set(person_ids)
    if not ids:
        return {}
    result = await session.exec(
        select(KeyResult, Objective, Outcome)
        .join(Objective, KeyResult.objective_id == Objective.id)
        .join(Outcome, Objective.outcome_id == Outcome.id)
        .where(KeyResult.owner_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(Outcome.key, Objective.id, KeyResult.key)
    )
    owned: dict[int, list[OwnedKeyResult]] = {}
    for kr, objective, outcome in result.all():
        owned.setdefault(kr.owner_id, []).append(OwnedKeyResult(kr, objective, outcome))
    return owned


async def key_results_by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, KeyResult]:
    wanted = set(ids)
    if not wanted:
        return {}
    result = await session.exec(select(KeyResult).where(KeyResult.id.in_(wanted)))  # type: ignore[union-attr]
    return {kr.id: kr for kr in result.all()}  # type: ignore[misc]


async def outcomes_with_progress(session: AsyncSession) -> list[OutcomeProgress]:
    """Every outcome with its objectives and their key results, in two queries."""
    outcomes = (await session.exec(select(Outcome).order_by(Outcome.key))).all()
    by_outcome = {outcome.id: OutcomeProgress(outcome) for outcome in outcomes}
    objectives: dict[int, ObjectiveProgress] = {}
    rows = await session.exec(
        select(Objective, KeyResult)
        .join(KeyResult, KeyResult.objective_id == Objective.id, isouter=True)
        .order_by(Objective.id, KeyResult.key)
    )
    for objective, kr in rows.all():
        entry = objectives.get(objective.id)  # type: ignore[arg-type]
        if entry is None:
            entry = objectives[objective.id] = ObjectiveProgress(objective)  # type: ignore[index]
            if objective.outcome_id in by_outcome:
                by_outcome[objective.outcome_id].objectives.append(entry)
        if kr is not None:
            entry.key_results.append(kr)
    return list(by_outcome.values())
