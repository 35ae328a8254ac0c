"""One batch of managers: their reports' facts, histories and coaching findings, and storing the
nudges chosen for them.

A fixed number of queries per batch (storage.repositories.digest_data, plus at most one for the outcomes
whose key results just met their target — cadences.outcome_key_results), whatever the number
of managers in it or the length of the history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.coaching import (
    BlockerFact,
    KRHistory,
    KRPoint,
    NudgeCandidate,
    ReportHistory,
    candidates_for,
    just_met,
    on_leave,
)
from storage.repositories.digest_data import HISTORY_WINDOW, BatchFacts, KRMeta, Org, OrgPerson, load_batch
from cadences.outcome_key_results import OutcomeKeyResults
from storage.models import BlockerStatus, Nudge
from storage.repositories.digest_data import insert_nudges


def histories_of(facts: BatchFacts, krs: dict[int, KRMeta]) -> dict[int, KRHistory]:
    """A history per key result from answered updates (oldest first)."""
    answered = {c.id: c for c in facts.checkins if c.answered_at is not None}
    points: dict[int, list[KRPoint]] = defaultdict(list)
    for update in facts.updates:
        checkin = answered.get(update.checkin_id)
        if checkin is not None:
            points[update.key_result_id].append(
                KRPoint(checkin.id, checkin.period, checkin.answered_at, update.value, update.confidence)
            )
    return {
        kr.id: KRHistory(kr.id, kr.objective_id, kr.baseline, kr.target, kr.increase,
                         tuple(sorted(points.get(kr.id, ()), key=lambda p: (p.answered_at, p.checkin_id))),
                         kr.outcome_id)
        for kr in krs.values()
    }


def _report_history(person: OrgPerson, manager_id: int, facts: BatchFacts, histories: dict[int, KRHistory], now: datetime) -> ReportHistory:
    krs = tuple(histories[k.id] for k in facts.of("key_results", person.id))
    blockers = tuple(
        BlockerFact(b.id, b.checkin_id, b.key_result_id, b.created_at, b.status == BlockerStatus.resolved)
        for b in facts.of("blockers", person.id)
    )
    today = now.astimezone(ZoneInfo(person.timezone)).date()
    return ReportHistory(
        report_id=person.id,
        manager_id=manager_id,
        joined_at=person.created_at,
        key_results=krs,
        blockers=blockers,
        last_answered_at=facts.last_answered.get(person.id),
        ever_prompted=person.id in facts.asked,
        on_leave=on_leave(facts.leave.get(person.id, ()), today),
    )


@dataclass
class BatchView:
    facts: BatchFacts
    histories: dict[int, KRHistory]
    candidates: list[NudgeCandidate]


async def read_batch(
    session: AsyncSession,
    *,
    org: Org,
    manager_ids: Sequence[int],
    period_start: datetime,
    now: datetime,
    outcomes: OutcomeKeyResults | None = None,
) -> BatchView:
    """Facts and coaching candidates for these managers' direct reports."""
    report_ids = sorted({r for m in manager_ids for r in org.reports_of.get(m, ())})
    facts = await load_batch(session, report_ids=report_ids, manager_ids=manager_ids, period_start=period_start, now=now)
    histories = histories_of(facts, facts.key_results)
    # The outcome-level rule needs the rest of an outcome only where a key result just met its target.
    met_outcomes = {h.outcome_id for h in histories.values() if h.outcome_id is not None and just_met(h)}
    outcomes = outcomes or OutcomeKeyResults()
    by_outcome = await outcomes.of(session, met_outcomes, since=now - HISTORY_WINDOW) if met_outcomes else {}
    reports = [
        _report_history(org.people[r], m, facts, histories, now)
        for m in manager_ids for r in org.reports_of.get(m, ())
    ]
    return BatchView(facts, histories, candidates_for(reports, outcome_key_results=by_outcome, now=now))


async def store_nudges(session: AsyncSession, chosen: Sequence[NudgeCandidate], *, manager_ids: Sequence[int], now: datetime) -> list[Nudge]:
    """Write the chosen nudges and read them back with their ids (two statements)."""
    if not chosen:
        return []
    return await insert_nudges(session, [
        {"manager_id": c.manager_id, "report_id": c.report_id, "rule": c.rule, "key_result_id": c.key_result_id,
         "evidence": c.evidence, "question": c.question, "created_at": now, "sent_at": now}
        for c in chosen
    ], manager_ids=manager_ids, now=now)


async def coaching_candidates(session: AsyncSession, *, org: Org, manager_ids: Sequence[int], now: datetime) -> list[NudgeCandidate]:
    """Every rule's findings about these managers' reports, before cooldown and budget."""
    view = await read_batch(session, org=org, manager_ids=manager_ids, period_start=now - timedelta(days=7), now=now)
    return view.candidates
