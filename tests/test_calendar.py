"""Prompt times from the calendar rules alone: timezones, DST, holidays, leave, month rules."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from cadences.calendar import WorkCalendar, local_instant, prompt_at, prompt_day
from cadences.settings import CadenceRule

WORKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def cal(country: str | None = "DE", leave=()) -> WorkCalendar:
    return WorkCalendar.build(working_days=WORKDAYS, country=country, leave=leave)


def weekly(on: str = "monday", at: str = "09:00") -> CadenceRule:
    return CadenceRule(name="weekly", every="week", on=on, at=at)


def monthly(on: str, at: str = "10:00") -> CadenceRule:
    return CadenceRule(name="monthly", every="month", on=on, at=at)


@pytest.mark.parametrize(
    ("tz", "country", "expected_utc"),
    [
        ("Europe/Berlin", "DE", datetime(2026, 5, 11, 7, 0, tzinfo=timezone.utc)),
        ("America/New_York", "US", datetime(2026, 5, 11, 13, 0, tzinfo=timezone.utc)),
        ("Asia/Kolkata", "IN", datetime(2026, 5, 11, 3, 30, tzinfo=timezone.utc)),
        ("Pacific/Kiritimati", "KI", datetime(2026, 5, 10, 19, 0, tzinfo=timezone.utc)),
        ("Australia/Lord_Howe", "AU", datetime(2026, 5, 10, 22, 30, tzinfo=timezone.utc)),
    ],
)
def test_people_everywhere_are_prompted_at_nine_on_their_own_monday(tz: str, country: str, expected_utc: datetime) -> None:
    at = prompt_at(weekly(), "2026-W20", tz=tz, calendar=cal(country))
    assert at == expected_utc
    local = at.astimezone(ZoneInfo(tz))
    assert (local.date(), local.time()) == (date(2026, 5, 11), time(9, 0))


@pytest.mark.parametrize(
    ("tz", "change_day"),
    [
        ("Europe/Berlin", date(2026, 3, 29)),
        ("Europe/Berlin", date(2026, 10, 25)),
        ("America/New_York", date(2026, 3, 8)),
        ("America/New_York", date(2026, 11, 1)),
        ("Australia/Lord_Howe", date(2026, 4, 5)),  # half-hour DST ends
        ("Australia/Lord_Howe", date(2026, 10, 4)),  # half-hour DST starts
    ],
)
def test_prompts_stay_at_nine_local_on_the_days_around_a_dst_change(tz: str, change_day: date) -> None:
    everyday = WorkCalendar.build(working_days=("monday", "tuesday", "wednesday", "thursday", "friday",
                                                "saturday", "sunday"), country=None)
    offsets = set()
    for rule, day in ((weekly("sunday"), change_day), (weekly("monday"), change_day + timedelta(days=1))):
        year, week, _ = day.isocalendar()
        at = prompt_at(rule, f"{year}-W{week:02d}", tz=tz, calendar=everyday)
        local = at.astimezone(ZoneInfo(tz))
        assert (local.date(), local.time()) == (day, time(9, 0))
        offsets.add(local.utcoffset())
    before = datetime.combine(change_day - timedelta(days=1), time(9), ZoneInfo(tz)).utcoffset()
    assert before not in offsets  # the change really happened between the two prompts


def test_a_prompt_time_inside_the_spring_forward_gap_moves_forward_by_the_gap() -> None:
    at = local_instant(date(2026, 3, 29), time(2, 30), "Europe/Berlin")
    assert at == datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)  # 03:30 CEST
    assert at.astimezone(ZoneInfo("Europe/Berlin")).time() == time(3, 30)


def test_an_ambiguous_prompt_time_at_fall_back_takes_its_first_occurrence() -> None:
    at = local_instant(date(2026, 10, 25), time(2, 30), "Europe/Berlin")
    assert at == datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)  # 02:30 CEST, not CET
    assert local_instant(date(2026, 11, 1), time(1, 30), "America/New_York") == datetime(
        2026, 11, 1, 5, 30, tzinfo=timezone.utc)  # 01:30 EDT


def test_easter_monday_moves_a_german_prompt_to_tuesday_but_not_an_american_one() -> None:
    assert prompt_day(weekly(), "2026-W15", cal("DE")) == date(2026, 4, 7)
    assert prompt_day(weekly(), "2026-W15", cal("US")) == date(2026, 4, 6)


def test_labor_day_moves_an_american_prompt_to_tuesday() -> None:
    assert prompt_day(weekly(), "2026-W37", cal("US")) == date(2026, 9, 8)
    assert prompt_day(weekly(), "2026-W37", cal("DE")) == date(2026, 9, 7)


def test_leave_moves_the_prompt_to_the_first_day_back() -> None:
    on_leave = cal("DE", leave=[(date(2026, 5, 8), date(2026, 5, 12))])
    assert prompt_day(weekly(), "2026-W20", on_leave) == date(2026, 5, 13)
    longer = cal("DE", leave=[(date(2026, 5, 8), date(2026, 5, 13))])
    assert prompt_day(weekly(), "2026-W20", longer) == date(2026, 5, 15)  # 14th is Ascension Day


def test_a_friday_holiday_keeps_a_friday_prompt_in_its_week_on_thursday() -> None:
    assert prompt_day(weekly("friday"), "2026-W14", cal("DE")) == date(2026, 4, 2)  # Good Friday


def test_a_week_entirely_on_leave_has_no_prompt() -> None:
    on_leave = cal("DE", leave=[(date(2026, 8, 1), date(2026, 8, 16))])
    assert prompt_at(weekly(), "2026-W32", tz="Europe/Berlin", calendar=on_leave) is None


def test_first_monday_lands_on_every_first_monday_of_2026_except_holidays() -> None:
    days = [prompt_day(monthly("first monday"), f"2026-{month:02d}", cal("DE")) for month in range(1, 13)]
    assert days == [
        date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2), date(2026, 4, 7),  # Easter Monday → Tue
        date(2026, 5, 4), date(2026, 6, 1), date(2026, 7, 6), date(2026, 8, 3),
        date(2026, 9, 7), date(2026, 10, 5), date(2026, 11, 2), date(2026, 12, 7),
    ]


def test_last_working_day_lands_on_every_month_end_of_2026_and_never_leaves_the_month() -> None:
    days = [prompt_day(monthly("last working day"), f"2026-{month:02d}", cal("DE")) for month in range(1, 13)]
    assert days == [
        date(2026, 1, 30), date(2026, 2, 27), date(2026, 3, 31), date(2026, 4, 30),
        date(2026, 5, 29), date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31),
        date(2026, 9, 30), date(2026, 10, 30), date(2026, 11, 30), date(2026, 12, 31),
    ]
    on_leave = cal("DE", leave=[(date(2026, 3, 30), date(2026, 4, 3))])
    assert prompt_day(monthly("last working day"), "2026-03", on_leave) == date(2026, 3, 27)


def test_a_monthly_prompt_on_a_weekend_day_at_the_end_of_the_month_moves_back_not_into_next_month() -> None:
    assert prompt_day(monthly("28"), "2026-02", cal("DE")) == date(2026, 2, 27)  # Sat 28 Feb
    assert prompt_day(monthly("1"), "2026-01", cal("DE")) == date(2026, 1, 2)  # New Year → Fri 2nd
    assert prompt_day(monthly("last friday"), "2026-04", cal("DE")) == date(2026, 4, 24)


def test_a_month_entirely_on_leave_has_no_prompt() -> None:
    on_leave = cal("DE", leave=[(date(2026, 7, 1), date(2026, 7, 31))])
    assert prompt_day(monthly("first monday"), "2026-07", on_leave) is None
