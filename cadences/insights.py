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
    for at, value, confidence in reversed(kr.values):  # oldest first: the last one at or before
        if at <= moment:
            return value, confidence
    return None


def fell_off_pace(krs: Iterable[KRFacts], now: datetime) -> list[dict]:
    """On pace a week ago, behind pace now."""
    found = []
    week_ago = now - timedelta(days=7)
    for kr in krs:
        then = _value_at(kr, week_ago)
        if kr.period is None or then is None:
            continue
        before = pace_of(baseline=kr.baseline, target=kr.target, current=then[0], confidence=then[1], period=kr.period, now=week_ago)
        if not before.on_pace:
            continue
        after = pace_of(baseline=kr.baseline, target=kr.target, current=kr.current, confidence=kr.confidence, period=kr.period, now=now)
        if after.on_pace is False:
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
    """Reached its target in the last week while no other key result of its outcome moved.

    Linear in the key results: each outcome's key results with two values, and which of them
    moved at their last value, are found once (an organisation's outcome has thousands)."""
    week_ago = now - timedelta(days=7)
    # values are oldest first: the last value is the last recent one, if any is recent
    candidates = [kr for kr in krs if kr.values and kr.values[-1][0] >= week_ago and kr.met(kr.values[-1][1])
                  and not (len(kr.values) >= 2 and kr.met(kr.values[-2][1]))]
    if not candidates:
        return []
    wanted = {kr.outcome_id for kr in candidates}
    with_two: dict[int, list[KRFacts]] = defaultdict(list)
    moved: dict[int, set[int]] = defaultdict(set)
    for kr in krs:
        if kr.outcome_id in wanted and len(kr.values) >= 2:
            with_two[kr.outcome_id].append(kr)
            if progress_between(kr.baseline, kr.target, kr.values[-1][1]) > progress_between(kr.baseline, kr.target, kr.values[-2][1]):
                moved[kr.outcome_id].add(kr.id)
    found = []
    for kr in candidates:
        others = with_two[kr.outcome_id]
        has_others = len(others) > (1 if len(kr.values) >= 2 else 0)
        if has_others and not (moved[kr.outcome_id] - {kr.id}):
            found.append({"kr": kr, "others": [o for o in others[:6] if o.id != kr.id][:5]})
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
