from datetime import date, datetime, timezone

from cadences.periods import current_period, next_period, period_bounds, period_label, period_of


def test_a_sunday_evening_in_new_york_is_still_last_week_while_berlin_is_in_the_new_one() -> None:
    now = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # Mon 03:00 Berlin, Sun 21:00 NY
    assert current_period("week", now, "Europe/Berlin") == "2026-W48"
    assert current_period("week", now, "America/New_York") == "2026-W47"


def test_periods_are_named_and_follow_each_other_across_years() -> None:
    assert period_of("week", date(2026, 12, 31)) == "2026-W53"
    assert next_period("2026-W53") == "2027-W01"
    assert next_period("2026-12") == "2027-01"
    assert period_label("2026-W48") == "week 48 of 2026"
    assert period_label("2026-11") == "November 2026"


def test_a_month_spans_local_midnight_to_local_midnight_in_utc() -> None:
    start, end = period_bounds("2026-03", "Europe/Berlin")
    assert start == datetime(2026, 2, 28, 23, 0, tzinfo=timezone.utc)
    assert end == datetime(2026, 3, 31, 22, 0, tzinfo=timezone.utc)  # after the DST change
