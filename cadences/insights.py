"""What changed since last week, as pure rules over key results and their recent values
(`now` passed in). The dashboard's insights page shows each finding with its evidence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cadences.pace import ON_TRACK, Period, pace_of
from storage.models import progress_between

CONFIDENCE_DROP = 3
OLD_BLOCKER_DAYS = 14
WELL_SHARE = 0.8  # a team does well when this share of its key results is on track …
WELL_MIN_KRS = 3  # … out of at least this many


@dataclass(frozen=True, slots=True)
class KRFacts:
    id: int
    key: str
    title: str
    owner_team: str | None
    outcome_id: int
    baseline: float
    target: float
    current: float | None
    confidence: int | None
    period: Period | None
    values: Sequence[tuple[datetime, float, int]] = field(default_factory=tuple)  # (when, value, confidence), oldest first

    def met(self, value: float) -> bool:
        return progress_between(self.baseline, self.target, value) >= 1.0


def _value_at(kr: KRFacts, moment: datetime) -> tuple[float, int] | None:
    before = [(v, c) for at, v, c in kr.values if at <= moment]
    return before[-1] if before else None


def fell_off_pace(krs: Iterable[KRFacts], now: datetime) -> list[dict]:
    """On pace a week ago, behind pace now."""
    found = []
    week_ago = now - timedelta(days=7)
    for kr in krs:
        then = _value_at(kr, week_ago)
        if kr.period is None or then is None:
            continue
        before = pace_of(baseline=kr.baseline, target=kr.target, current=then[0], confidence=then[1], period=kr.period, now=week_ago)
        after = pace_of(baseline=kr.baseline, target=kr.target, current=kr.current, confidence=kr.confidence, period=kr.period, now=now)
        if before.on_pace and after.on_pace is False:
            found.append({"kr": kr, "then": before.progress, "now": after.progress, "expected": after.expected})
    return found


def confidence_drops(krs: Iterable[KRFacts], now: datetime) -> list[dict]:
    """The latest confidence, given in the last week, is 3 or more below the one before it."""
    found = []
    for kr in krs:
        if len(kr.values) < 2 or kr.values[-1][0] < now - timedelta(days=7):
            continue
        (at_before, _, before), (at_after, _, after) = kr.values[-2], kr.values[-1]
        if before - after >= CONFIDENCE_DROP:
            found.append({"kr": kr, "from": before, "to": after, "from_at": at_before, "to_at": at_after})
    return found


def met_but_outcome_flat(krs: Sequence[KRFacts], now: datetime) -> list[dict]:
    """Reached its target in the last week while no other key result of its outcome moved."""
    by_outcome: dict[int, list[KRFacts]] = defaultdict(list)
    for kr in krs:
        by_outcome[kr.outcome_id].append(kr)
    found = []
    for kr in krs:
        recent = [v for v in kr.values if v[0] >= now - timedelta(days=7)]
        if not recent or not kr.met(recent[-1][1]) or (len(kr.values) >= 2 and kr.met(kr.values[-2][1])):
            continue
        others = [o for o in by_outcome[kr.outcome_id] if o.id != kr.id and len(o.values) >= 2]
        moved = [o for o in others if progress_between(o.baseline, o.target, o.values[-1][1])
                 > progress_between(o.baseline, o.target, o.values[-2][1])]
        if others and not moved:
            found.append({"kr": kr, "others": others[:5]})
    return found


def teams_doing_well(krs: Iterable[KRFacts], now: datetime) -> list[dict]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kr in krs:
        if kr.owner_team is None:
            continue
        pace = pace_of(baseline=kr.baseline, target=kr.target, current=kr.current, confidence=kr.confidence,
                       period=kr.period, now=now)
        counts[kr.owner_team][0] += pace.status == ON_TRACK
        counts[kr.owner_team][1] += 1
    return [{"team": team, "on_track": on, "total": total} for team, (on, total) in sorted(counts.items())
            if total >= WELL_MIN_KRS and on / total >= WELL_SHARE]
