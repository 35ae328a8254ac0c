"""Coaching rules: pure functions over a report's check-in history, `now` passed in.

Each rule looks at plain facts (no database, no clock) and returns `NudgeCandidate`s whose
`evidence` holds the numbers and dates that triggered it, plus a question for the next 1:1.
The rules read answers only — never presence, hours or message counts — and never compare
people with each other.

Rules (docs/architecture.md, "The method"):
- stuck: no movement toward target over the last two check-ins, or confidence fell at each
  of the last two check-ins;
- met_but_outcome_flat: a key result crossed its target in its latest check-in while none of
  its outcome's other key results (every objective and owner cascaded from the same company
  outcome) improved between their last two reported values;
- doing_great: confidence rose at each of the last two check-ins (three check-ins in a row),
  the value moved toward target and the latest confidence is 7 or more;
- lapsed: no answered check-in for over a month (people on leave today, and people who were
  never asked to check in, are left alone);
- recurring_blocker: a blocker unresolved for over two weeks, or one key result (a shared
  team key result, a dependency) named in open blockers by three or more reports of the same
  manager — one nudge about the report who raised the earliest of them, whose evidence holds
  how many reports, who (ids, shown as names to the manager only) and since when.

`select_nudges` (in cadences.nudge_selection) applies the cooldown, the "not useful" back-off
and the weekly budget.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

STUCK = "stuck"
MET_BUT_OUTCOME_FLAT = "met_but_outcome_flat"
DOING_GREAT = "doing_great"
LAPSED = "lapsed"
RECURRING_BLOCKER = "recurring_blocker"

# Also the order in which a full budget is spent: what needs help first, praise last.
RULES = (RECURRING_BLOCKER, STUCK, LAPSED, MET_BUT_OUTCOME_FLAT, DOING_GREAT)

QUESTIONS = {
    STUCK: "What is getting in the way of this key result, and what would you try differently this week?",
    MET_BUT_OUTCOME_FLAT: "The target is met but the outcome has not moved: is this still the right goal, or should we change it?",
    DOING_GREAT: "This is going well: what are you doing that could help others on the team?",
    LAPSED: "We have not talked about your key results for a while: how are things going?",
    RECURRING_BLOCKER: "This blocker keeps coming back: who can we escalate it to, and what do you need from me?",
}

BLOCKER_ESCALATION_AGE = timedelta(days=14)
BLOCKER_SHARED_REPORTS = 3
DOING_GREAT_MIN_CONFIDENCE = 7


@dataclass(frozen=True, slots=True)
class KRPoint:
    """One answered check-in's value and confidence for a key result."""

    checkin_id: int
    period: str
    answered_at: datetime
    value: float
    confidence: int


@dataclass(frozen=True, slots=True)
class KRHistory:
    key_result_id: int
    objective_id: int  # key results of one objective together measure its outcome
    baseline: float
    target: float
    increase: bool  # direction: True when higher is better
    points: tuple[KRPoint, ...] = ()  # oldest first
    outcome_id: int | None = None  # the company outcome its objective cascades from

    def progress_of(self, value: float) -> float:
        span = self.target - self.baseline
        return 1.0 if span == 0 else (value - self.baseline) / span

    def met(self, value: float) -> bool:
        return value >= self.target if self.increase else value <= self.target


@dataclass(frozen=True, slots=True)
class BlockerFact:
    blocker_id: int
    checkin_id: int | None
    key_result_id: int | None
    created_at: datetime
    resolved: bool


@dataclass(frozen=True, slots=True)
class ReportHistory:
    """What the rules may read about one report, within the history window."""

    report_id: int
    manager_id: int
    joined_at: datetime
    key_results: tuple[KRHistory, ...] = ()
    blockers: tuple[BlockerFact, ...] = ()
    last_answered_at: datetime | None = None  # over all time, not just the window
    ever_prompted: bool = True  # people outside every cadence are never "lapsed"
    on_leave: bool = False  # on leave at `now`


@dataclass(frozen=True, slots=True)
class NudgeCandidate:
    rule: str
    report_id: int
    key_result_id: int | None
    evidence: dict[str, Any]  # numbers and ISO dates only (stored as JSON)
    question: str
    manager_id: int | None = None


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _candidate(rule: str, report: ReportHistory, kr_id: int | None, evidence: dict[str, Any]) -> NudgeCandidate:
    return NudgeCandidate(rule, report.report_id, kr_id, evidence, QUESTIONS[rule], report.manager_id)


def _series(points: Sequence[KRPoint]) -> dict[str, Any]:
    return {
        "periods": [p.period for p in points],
        "dates": [_day(p.answered_at) for p in points],
        "values": [p.value for p in points],
        "confidences": [p.confidence for p in points],
    }


def stuck(report: ReportHistory) -> list[NudgeCandidate]:
    found = []
    for kr in report.key_results:
        last = kr.points[-3:]
        if len(last) < 3 or kr.met(last[-1].value):
            continue
        no_progress = kr.progress_of(last[-1].value) <= kr.progress_of(last[0].value)
        falling = last[0].confidence > last[1].confidence > last[2].confidence
        if no_progress or falling:
            evidence = {**_series(last), "target": kr.target, "no_progress": no_progress, "confidence_falling": falling}
            found.append(_candidate(STUCK, report, kr.key_result_id, evidence))
    return found


def doing_great(report: ReportHistory) -> list[NudgeCandidate]:
    found = []
    for kr in report.key_results:
        last = kr.points[-3:]
        if len(last) < 3:
            continue
        rising = last[0].confidence < last[1].confidence < last[2].confidence
        moving = kr.progress_of(last[-1].value) > kr.progress_of(last[0].value) or kr.met(last[-1].value)
        if rising and moving and last[-1].confidence >= DOING_GREAT_MIN_CONFIDENCE:
            found.append(_candidate(DOING_GREAT, report, kr.key_result_id, {**_series(last), "target": kr.target}))
    return found


def just_met(kr: KRHistory) -> bool:
    """The latest check-in reached the target and the one before it had not."""
    return len(kr.points) >= 2 and kr.met(kr.points[-1].value) and not kr.met(kr.points[-2].value)


def improved(kr: KRHistory) -> bool:
    """Its last two reported values moved toward the target."""
    return len(kr.points) >= 2 and kr.progress_of(kr.points[-1].value) > kr.progress_of(kr.points[-2].value)


EXAMPLES_SHOWN = 5


def met_but_outcome_flat(
    report: ReportHistory, outcome_key_results: Mapping[int, Sequence[KRHistory]]
) -> list[NudgeCandidate]:
    """`outcome_key_results`: outcome id → every key result cascaded from it, with (at least)
    their last two reported values."""
    found = []
    for kr in report.key_results:
        if kr.outcome_id is None or not just_met(kr):
            continue
        before, latest = kr.points[-2], kr.points[-1]
        others = [o for o in outcome_key_results.get(kr.outcome_id, ()) if o.key_result_id != kr.key_result_id]
        if not others:
            continue  # nothing else measures the outcome, so we cannot tell it did not move
        if any(improved(other) for other in others):
            continue
        reported = [o for o in others if len(o.points) >= 2]
        evidence = {
            **_series([before, latest]),
            "target": kr.target,
            "outcome_id": kr.outcome_id,
            "other_key_results": len(others),
            "others_reported": len(reported),
            "examples": [
                {"key_result_id": o.key_result_id, "from": o.points[-2].value, "to": o.points[-1].value,
                 "on": _day(o.points[-1].answered_at), "target": o.target}
                for o in sorted(reported, key=lambda o: o.key_result_id)[:EXAMPLES_SHOWN]
            ],
        }
        found.append(_candidate(MET_BUT_OUTCOME_FLAT, report, kr.key_result_id, evidence))
    return found


def lapsed(report: ReportHistory, now: datetime) -> list[NudgeCandidate]:
    cutoff = now - relativedelta(months=1)
    if report.on_leave or not report.ever_prompted:
        return []
    last = report.last_answered_at
    if last is None:
        if report.joined_at > cutoff:
            return []  # new people have not had a month to check in yet
        evidence = {"last_checkin": None, "joined": _day(report.joined_at), "days_since": (now - report.joined_at).days}
    elif last <= cutoff:
        evidence = {"last_checkin": _day(last), "days_since": (now - last).days}
    else:
        return []
    return [_candidate(LAPSED, report, None, evidence)]


def recurring_blocker(report: ReportHistory, now: datetime) -> list[NudgeCandidate]:
    """Blockers of this report unresolved for over two weeks."""
    found = []
    for blocker in sorted(report.blockers, key=lambda b: (b.created_at, b.blocker_id)):
        age = now - blocker.created_at
        if not blocker.resolved and age > BLOCKER_ESCALATION_AGE:
            evidence = {"blocker_id": blocker.blocker_id, "opened": _day(blocker.created_at), "age_days": age.days}
            found.append(_candidate(RECURRING_BLOCKER, report, blocker.key_result_id, evidence))
    return found


def shared_blockers(reports: Iterable[ReportHistory]) -> list[NudgeCandidate]:
    """A key result named in open blockers by three or more reports of one manager."""
    open_by: dict[tuple[int, int], list[tuple[BlockerFact, ReportHistory]]] = defaultdict(list)
    for report in reports:
        for blocker in report.blockers:
            if not blocker.resolved and blocker.key_result_id is not None:
                open_by[(report.manager_id, blocker.key_result_id)].append((blocker, report))
    found = []
    for (_manager, kr_id), items in sorted(open_by.items()):
        people = {report.report_id for _, report in items}
        if len(people) < BLOCKER_SHARED_REPORTS:
            continue
        items.sort(key=lambda item: (item[0].created_at, item[0].blocker_id))
        evidence = {
            "reports_blocked": len(people),
            "report_ids": sorted(people),
            "dates": sorted({_day(blocker.created_at) for blocker, _ in items}),
            "blocker_ids": [blocker.blocker_id for blocker, _ in items],
        }
        found.append(_candidate(RECURRING_BLOCKER, items[0][1], kr_id, evidence))
    return found


def candidates_for(
    reports: Iterable[ReportHistory],
    *,
    outcome_key_results: Mapping[int, Sequence[KRHistory]],
    now: datetime,
) -> list[NudgeCandidate]:
    """Every rule over every report; selection (cooldown, budget) happens afterwards."""
    reports = list(reports)
    found: list[NudgeCandidate] = shared_blockers(reports)
    for report in reports:
        found += recurring_blocker(report, now)
        found += stuck(report)
        found += lapsed(report, now)
        found += met_but_outcome_flat(report, outcome_key_results)
        found += doing_great(report)
    return found


def on_leave(leave: Iterable[tuple[date, date]], today: date) -> bool:
    return any(start <= today <= end for start, end in leave)

