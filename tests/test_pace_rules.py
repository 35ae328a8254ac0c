"""Pace, status, forecast and insights: the pure rules the dashboard writes on its pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cadences.insights import KRFacts, confidence_drops, fell_off_pace, met_but_outcome_flat, teams_doing_well
from cadences.pace import AT_RISK, OFF_TRACK, ON_TRACK, forecast, okr_period, pace_of, status_of

MID_Q4 = datetime(2026, 11, 15, 12, tzinfo=timezone.utc)


@pytest.mark.parametrize("period, starts, ends", [
    ("2026-Q4", datetime(2026, 10, 1), datetime(2027, 1, 1)),
    ("2026-H1", datetime(2026, 1, 1), datetime(2026, 7, 1)),
    ("2026-11", datetime(2026, 11, 1), datetime(2026, 12, 1)),
    ("2026", datetime(2026, 1, 1), datetime(2027, 1, 1)),
])
def test_okr_periods_span_their_quarter_half_month_or_year(period, starts, ends) -> None:
    span = okr_period(period)
    assert (span.starts, span.ends) == (starts.replace(tzinfo=timezone.utc), ends.replace(tzinfo=timezone.utc))


def test_an_unknown_period_has_no_pace_and_status_comes_from_confidence_alone() -> None:
    assert okr_period("sprint 12") is None
    pace = pace_of(baseline=0, target=10, current=1, confidence=3, period=None, now=MID_Q4)
    assert pace.expected is None and pace.on_pace is None and pace.status == OFF_TRACK


@pytest.mark.parametrize("progress, confidence, status", [
    (0.50, 8, ON_TRACK),  # half-way at half time (expected ≈ 0.49)
    (0.40, None, ON_TRACK),  # 9 points behind, no confidence yet
    (0.30, 8, AT_RISK),  # 19 points behind
    (0.20, 8, OFF_TRACK),  # 29 points behind
    (0.60, 5, AT_RISK),  # ahead, but the owner doubts it
    (0.60, 3, OFF_TRACK),
    (1.00, 2, ON_TRACK),  # a met target is on track
])
def test_status_follows_the_rule_written_on_the_page(progress, confidence, status) -> None:
    expected = okr_period("2026-Q4").elapsed(MID_Q4)
    assert status_of(progress, expected, confidence) == status


def test_forecast_continues_the_straight_line_through_this_periods_values() -> None:
    q4 = okr_period("2026-Q4")
    start = q4.starts
    points = [(start + timedelta(days=d), 100 - d / 2) for d in (0, 23, 46)]  # half a unit a day down
    assert forecast(points, q4) == pytest.approx(100 - 92 / 2)
    assert forecast(points[:1], q4) is None and forecast(points, None) is None


def facts(id_: int, values, *, outcome=1, team="Platform", baseline=0.0, target=10.0, period="2026-Q4") -> KRFacts:
    last = values[-1] if values else (None, None, None)
    return KRFacts(id=id_, key=f"kr{id_}", title=f"KR {id_}", owner_team=team, outcome_id=outcome, baseline=baseline,
                   target=target, current=last[1], confidence=last[2], period=okr_period(period), values=tuple(values))


def test_a_key_result_on_pace_last_week_and_behind_now_fell_off_pace() -> None:
    week_ago = MID_Q4 - timedelta(days=8)
    slipping = facts(1, [(week_ago, 4.8, 7), (MID_Q4, 3.0, 6)])  # moved back
    steady = facts(2, [(week_ago, 4.8, 7), (MID_Q4, 5.0, 7)])
    assert [item["kr"].key for item in fell_off_pace([slipping, steady], MID_Q4)] == ["kr1"]


def test_confidence_falling_by_three_in_the_last_week_is_an_insight() -> None:
    dropped = facts(1, [(MID_Q4 - timedelta(days=7), 5, 8), (MID_Q4 - timedelta(days=1), 5, 5)])
    dipped = facts(2, [(MID_Q4 - timedelta(days=7), 5, 8), (MID_Q4 - timedelta(days=1), 5, 6)])
    old = facts(3, [(MID_Q4 - timedelta(days=30), 5, 9), (MID_Q4 - timedelta(days=20), 5, 2)])
    [drop] = confidence_drops([dropped, dipped, old], MID_Q4)
    assert (drop["kr"].key, drop["from"], drop["to"]) == ("kr1", 8, 5)


def test_a_met_target_whose_outcome_did_not_move_is_an_insight_but_not_when_another_moved() -> None:
    met = facts(1, [(MID_Q4 - timedelta(days=8), 8, 7), (MID_Q4 - timedelta(days=1), 10, 8)])
    flat = facts(2, [(MID_Q4 - timedelta(days=8), 3, 6), (MID_Q4 - timedelta(days=1), 3, 6)], target=20)
    assert [item["kr"].key for item in met_but_outcome_flat([met, flat], MID_Q4)] == ["kr1"]
    moving = facts(2, [(MID_Q4 - timedelta(days=8), 3, 6), (MID_Q4 - timedelta(days=1), 6, 6)], target=20)
    assert met_but_outcome_flat([met, moving], MID_Q4) == []


def test_a_team_with_most_key_results_on_track_is_doing_well() -> None:
    good = [facts(n, [(MID_Q4, 6.0, 8)], team="Growth") for n in range(4)]
    mixed = [facts(10 + n, [(MID_Q4, 6.0 if n < 2 else 1.0, 8)], team="Platform") for n in range(4)]
    assert teams_doing_well(good + mixed, MID_Q4) == [{"team": "Growth", "on_track": 4, "total": 4}]
