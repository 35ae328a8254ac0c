"""Every key result cascaded from a company outcome, with its last two reported values.

The "met, but the outcome did not move" rule compares a key result that just reached its
target with the rest of its outcome — other objectives, other owners, other managers' teams.
`OutcomeKeyResults` reads them with ONE query for all outcomes a batch needs (a window
function keeps two updates per key result) and remembers them for the rest of the run, so
later batches about the same outcomes read nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.coaching import KRHistory, KRPoint
from storage.repositories.digest_data import outcome_key_result_rows


async def load_outcome_key_results(
    session: AsyncSession, outcome_ids: Iterable[int], *, since: datetime
) -> dict[int, list[KRHistory]]:
    """outcome id → its key results, each with its last two values answered since `since`."""
    ids = sorted(set(outcome_ids))
    if not ids:
        return {}
    rows = await outcome_key_result_rows(session, ids, since=since)
    heads: dict[int, tuple] = {}
    points: dict[int, list[KRPoint]] = defaultdict(list)
    for kr_id, objective_id, outcome_id, baseline, target, direction, checkin_id, period, at, value, confidence in rows:
        heads[kr_id] = (objective_id, outcome_id, baseline, target, direction == "increase")
        if checkin_id is not None:
            points[kr_id].append(KRPoint(checkin_id, period, at, value, confidence))
    found: dict[int, list[KRHistory]] = {outcome: [] for outcome in ids}
    for kr_id, (objective_id, outcome_id, baseline, target, increase) in sorted(heads.items()):
        ordered = tuple(sorted(points.get(kr_id, ()), key=lambda p: (p.answered_at, p.checkin_id)))
        found[outcome_id].append(KRHistory(kr_id, objective_id, baseline, target, increase, ordered, outcome_id))
    return found


class OutcomeKeyResults:
    """A run's memory of outcomes already read (one per `queue_due_digests` pass)."""

    def __init__(self) -> None:
        self.by_outcome: dict[int, list[KRHistory]] = {}

    async def of(self, session: AsyncSession, outcome_ids: Iterable[int], *, since: datetime) -> dict[int, list[KRHistory]]:
        wanted = set(outcome_ids)
        missing = wanted - self.by_outcome.keys()
        if missing:
            self.by_outcome.update(await load_outcome_key_results(session, missing, since=since))
        return {outcome: self.by_outcome.get(outcome, []) for outcome in wanted}
