"""Pace, status and forecast of a key result: pure rules over its values, `now` passed in.

The dashboard writes these rules on its pages (`STATUS_RULE`), so what a person reads is what
the code does. A key result's period is its objective's OKR period (2026-Q4, 2026-H2, 2026,
2026-11); an unknown format has no pace, and its status comes from confidence alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time, timezone

from dateutil.relativedelta import relativedelta

from storage.models import progress_between
from storage.repositories.okrs import period_start

ON_TRACK, AT_RISK, OFF_TRACK = "on track", "at risk", "off track"
BEHIND_AT_RISK = 0.10  # progress this far behind the expected share of the period: at risk
BEHIND_OFF_TRACK = 0.25  # this far behind: off track
CONFIDENCE_AT_RISK = 5  # a latest confidence at or below: at risk
CONFIDENCE_OFF_TRACK = 3  # at or below: off track
STATUS_RULE = (
    "Expected progress is the share of the period that has passed. On track: no more than 10 points "
    "behind it, with confidence 6 or more (or not yet given). At risk: 10 to 25 points behind, or "
    "confidence 4–5. Off track: more than 25 points behind, or confidence 3 or less. A met target is on track."
)


@dataclass(frozen=True, slots=True)
class Period:
    starts: datetime  # UTC midnight of the first day
    ends: datetime  # UTC midnight after the last day

    def elapsed(self, now: datetime) -> float:
        """Share of the period that has passed at `now`, 0..1."""
        total = (self.ends - self.starts).total_seconds()
        return max(0.0, min(1.0, (now - self.starts).total_seconds() / total))


@lru_cache(maxsize=256)
def okr_period(period: str) -> Period | None:
    first = period_start(period)
    if first is None:
        return None
    text = period.strip().upper()
    if "-Q" in text:
        step = relativedelta(months=3)
    elif "-H" in text:
        step = relativedelta(months=6)
    elif "-" in text:
        step = relativedelta(months=1)
    else:
        step = relativedelta(years=1)
    return Period(_midnight(first), _midnight(first + step))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class Pace:
    progress: float  # 0..1 from baseline to target
    expected: float | None  # share of the period passed; None without a known period
    status: str
    on_pace: bool | None

    @property
    def behind(self) -> float:
        return 0.0 if self.expected is None else max(0.0, self.expected - self.progress)


def pace_of(*, baseline: float, target: float, current: float | None, confidence: int | None,
            period: Period | None, now: datetime) -> Pace:
    progress = progress_between(baseline, target, current)
    expected = None if period is None else period.elapsed(now)
    return Pace(progress, expected, status_of(progress, expected, confidence),
                None if expected is None else progress >= expected - BEHIND_AT_RISK)


def status_of(progress: float, expected: float | None, confidence: int | None) -> str:
    if progress >= 1.0:
        return ON_TRACK
    behind = 0.0 if expected is None else expected - progress
    if behind > BEHIND_OFF_TRACK or (confidence is not None and confidence <= CONFIDENCE_OFF_TRACK):
        return OFF_TRACK
    if behind > BEHIND_AT_RISK or (confidence is not None and confidence <= CONFIDENCE_AT_RISK):
        return AT_RISK
    return ON_TRACK


def expected_value(baseline: float, target: float, period: Period, moment: datetime) -> float:
    """Where the value would be at `moment` moving evenly from baseline to target over the period."""
    return baseline + (target - baseline) * period.elapsed(moment)


def forecast(points: Sequence[tuple[datetime, float]], period: Period | None) -> float | None:
    """The value at the end of the period if it keeps moving as it has (a least-squares line
    through this period's values); None with fewer than two values at different times."""
    if period is None:
        return None
    inside = [(t, v) for t, v in points if period.starts <= t < period.ends] or list(points)
    if len({t for t, _ in inside}) < 2:
        return None
    xs = [(t - period.starts).total_seconds() for t, _ in inside]
    ys = [v for _, v in inside]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
    end_x = (period.ends - period.starts).total_seconds()
    return mean_y + slope * (end_x - mean_x)
