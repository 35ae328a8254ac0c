"""A manager's digest: who checked in, open blockers, key results at risk, wins, nudges, roll-up.

`build_digests` reads a batch of managers' facts and coaching findings with a fixed number of
queries (cadences.digest_batch), chooses their nudges (cadences.nudge_selection), stores the
chosen nudges, and returns each digest's template context. Lists are alphabetical or by
age; nobody gets a score. A digest with nothing in any section is not built.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.coaching import KRHistory
from cadences.digest_batch import read_batch, store_nudges
from storage.repositories.digest_data import BatchFacts, BlockerRow, KRMeta, Org, OrgPerson
from cadences.nudge_selection import PastNudge, select_nudges
from cadences.nudge_text import RULE_TITLES, explain
from cadences.outcome_key_results import OutcomeKeyResults
from cadences.periods import period_label
from storage.models import BlockerStatus, CheckInStatus, Nudge

AT_RISK_CONFIDENCE = 4
AT_RISK_DROP = 3
ROLLUP_AGE = timedelta(days=14)
# Items shown per section; the rest are counted ("and 3 more") so every surface stays in limits.
SHOWN = {"names": 15, "blockers": 8, "at_risk": 8, "wins": 5, "nudges": 5, "rollup": 6}


@dataclass(frozen=True, slots=True)
class DueDigest:
    manager: OrgPerson
    period: str  # the manager's ISO week, e.g. 2026-W48
    period_start: datetime  # UTC; the digest covers [period_start, now)


@dataclass(frozen=True, slots=True)
class BuiltDigest:
    manager: OrgPerson
    period: str
    context: dict


def _capped(items: list, name: str) -> tuple[list, int]:
    limit = SHOWN[name]
    return items[:limit], max(0, len(items) - limit)


def _blocker_item(blocker: BlockerRow, org: Org, krs: dict[int, KRMeta], now: datetime) -> dict:
    kr = krs.get(blocker.key_result_id) if blocker.key_result_id else None
    person = org.people[blocker.person_id]
    return {
        "id": blocker.id,
        "person": person.name,
        "manager": org.people[person.manager_id].name if person.manager_id in org.people else None,
        "text": blocker.text,
        "status": blocker.status,
        "opened": blocker.created_at.date().isoformat(),
        "age_days": (now - blocker.created_at).days,
        "key_result": kr.title if kr else None,
        "outcome": kr.outcome_title if kr else None,
    }


def away_until(leave: Sequence[tuple[date, date]], now: datetime, tz: str) -> date | None:
    """The last day of the leave a person is on today (their own date), else None."""
    today = now.astimezone(ZoneInfo(tz)).date()
    current = [ends for starts, ends in leave if starts <= today <= ends]
    return max(current) if current else None


def _at_risk(person: OrgPerson, facts: BatchFacts, histories: dict[int, KRHistory]) -> list[dict]:
    found = []
    for kr in sorted(facts.of("key_results", person.id), key=lambda k: (k.title, k.id)):
        points = histories[kr.id].points
        if not points or histories[kr.id].met(points[-1].value):
            continue
        latest = points[-1]
        previous = points[-2].confidence if len(points) > 1 else None
        if latest.confidence <= AT_RISK_CONFIDENCE or (previous is not None and previous - latest.confidence >= AT_RISK_DROP):
            found.append({
                "person": person.name,
                "key_result": kr.title,
                "outcome": kr.outcome_title,
                "confidence": latest.confidence,
                "previous_confidence": previous,
                "value": latest.value,
                "target": kr.target,
                "unit": kr.unit,
                "progress": max(0.0, min(1.0, histories[kr.id].progress_of(latest.value))),
            })
    return found


def assemble(
    due: DueDigest,
    *,
    org: Org,
    facts: BatchFacts,
    histories: dict[int, KRHistory],
    krs: dict[int, KRMeta],
    nudges: Sequence[Nudge],
    old_blockers: Mapping[int, Sequence[BlockerRow]],
    now: datetime,
) -> dict | None:
    """The digest's template context, or None when every section is empty."""
    manager, start = due.manager, due.period_start
    reports = org.reports(manager.id)  # alphabetical by name
    answered, prompted, skipped = set(), set(), {}
    for report in reports:
        for checkin in facts.of("checkins", report.id):
            if checkin.answered_at is not None and checkin.answered_at >= start:
                answered.add(report.id)
            elif checkin.status == CheckInStatus.skipped.value:
                skipped[report.id] = checkin.skip_reason
            elif checkin.prompted_at is not None and checkin.prompted_at >= start:
                prompted.add(report.id)
    away = {r.id: until for r in reports if (until := away_until(facts.leave.get(r.id, ()), now, r.timezone))}
    checked_in = [r.name for r in reports if r.id in answered]
    not_checked_in = [r.name for r in reports if r.id in prompted - answered - set(skipped) - set(away)]
    skipped_names = [f"{r.name} ({skipped[r.id]})" if skipped[r.id] else r.name
                     for r in reports if r.id in skipped and r.id not in answered and r.id not in away]
    away_names = [f"{r.name} (away until {away[r.id].day} {away[r.id]:%B %Y})" for r in reports if r.id in away]
    # Neither asked nor answered in this digest's window: their check-in time has not come yet
    # (new this week, or a prompt moved by a holiday) — not the same as asked and silent.
    accounted = answered | prompted | set(skipped) | set(away)
    not_asked = [r.name for r in reports if r.id not in accounted]

    open_blockers = sorted(
        (b for r in reports for b in facts.of("blockers", r.id) if b.status != BlockerStatus.resolved),
        key=lambda b: (b.created_at, b.id),
    )
    at_risk = [item for r in reports for item in _at_risk(r, facts, histories)]
    wins = [
        {"id": w.id, "person": org.people[w.person_id].name, "text": w.text,
         "key_result": krs[w.key_result_id].title if w.key_result_id in krs else None,
         "outcome": krs[w.key_result_id].outcome_title if w.key_result_id in krs else None}
        for w in sorted((w for r in reports for w in facts.of("wins", r.id)), key=lambda w: (w.created_at, w.id))
        if w.created_at >= start
    ]
    nudge_items = [
        {"id": n.id, "rule": n.rule, "title": RULE_TITLES[n.rule], "person": org.people[n.report_id].name,
         "key_result": krs[n.key_result_id].title if n.key_result_id in krs else None,
         "summary": explain(n.rule, n.evidence, key_result=krs[n.key_result_id].title if n.key_result_id in krs else None,
                            unit=krs[n.key_result_id].unit if n.key_result_id in krs else ""),
         "question": n.question}
        for n in nudges
    ]
    rollup = sorted(
        (b for p in org.organisation_below_reports(manager.id) for b in old_blockers.get(p, ())
         if b.created_at < now - ROLLUP_AGE),
        key=lambda b: (b.created_at, b.id),
    )

    if not (checked_in or not_checked_in or skipped_names or away_names or open_blockers or at_risk or wins or nudge_items or rollup):
        return None
    context = {
        "manager": {"name": manager.name, "email": manager.email},
        "period": due.period,
        "period_label": period_label(due.period),
        "since": start.astimezone(ZoneInfo(manager.timezone)).date().isoformat(),
    }
    sections = {
        "checked_in": (checked_in, "names"),
        "not_checked_in": (not_checked_in, "names"),
        "not_asked": (not_asked, "names"),
        "skipped": (skipped_names, "names"),
        "away": (away_names, "names"),
        "blockers": ([_blocker_item(b, org, krs, now) for b in open_blockers], "blockers"),
        "at_risk": (at_risk, "at_risk"),
        "wins": (wins, "wins"),
        "nudges": (nudge_items, "nudges"),
        "rollup": ([_blocker_item(b, org, krs, now) for b in rollup], "rollup"),
    }
    for key, (items, cap) in sections.items():
        context[key], context[f"{key}_more"] = _capped(items, cap)
    return context


async def build_digests(
    session: AsyncSession,
    due: Sequence[DueDigest],
    *,
    org: Org,
    old_blockers: Mapping[int, Sequence[BlockerRow]],
    old_blocker_key_results: Mapping[int, KRMeta],
    budget_per_week: int,
    cooldown_days: int,
    now: datetime,
    outcomes: OutcomeKeyResults | None = None,
) -> list[BuiltDigest]:
    """Digests for one batch of managers; stores the nudges they carry (sent now).

    `outcomes` is shared by the batches of one run, so an outcome is read once per run.
    """
    manager_ids = [d.manager.id for d in due]
    earliest = min((d.period_start for d in due), default=now)
    view = await read_batch(session, org=org, manager_ids=manager_ids, period_start=earliest, now=now, outcomes=outcomes)
    past = [PastNudge(n.manager_id, n.report_id, n.rule, n.created_at, n.sent_at, n.dismissed_at) for n in view.facts.past_nudges]
    chosen = select_nudges(view.candidates, past=past, budget_per_week=min(budget_per_week, SHOWN["nudges"]), cooldown_days=cooldown_days, now=now)
    rows = await store_nudges(session, chosen, manager_ids=manager_ids, now=now)
    nudges_of: dict[int, list[Nudge]] = defaultdict(list)
    for row in rows:
        nudges_of[row.manager_id].append(row)

    krs = {**old_blocker_key_results, **view.facts.key_results}
    built = []
    for item in due:
        context = assemble(item, org=org, facts=view.facts, histories=view.histories, krs=krs,
                           nudges=nudges_of.get(item.manager.id, []), old_blockers=old_blockers, now=now)
        if context is not None:
            built.append(BuiltDigest(item.manager, item.period, context))
    return built
