"""Check-in periods: `2026-W48` for weekly cadences, `2026-11` for monthly ones.

Pure functions; the caller passes `now` (aware) and the person's IANA timezone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def period_of(kind: str, local_day: date) -> str:
    """The period a local calendar day belongs to."""
    if kind == "week":
        year, week, _ = local_day.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{local_day.year}-{local_day.month:02d}"
    raise ValueError(f"unknown cadence kind {kind!r}")


def current_period(kind: str, now: datetime, tz: str) -> str:
    return period_of(kind, now.astimezone(ZoneInfo(tz)).date())


def period_first_day(period: str) -> date:
    if "-W" in period:
        year, week = period.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    year, month = period.split("-")
    return date(int(year), int(month), 1)


def period_last_day(period: str) -> date:
    first = period_first_day(period)
    if "-W" in period:
        return first + timedelta(days=6)
    return first + relativedelta(months=1) - timedelta(days=1)


def next_period(period: str) -> str:
    first = period_first_day(period)
    if "-W" in period:
        return period_of("week", first + timedelta(days=7))
    return period_of("month", first + relativedelta(months=1))


def period_bounds(period: str, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of a period in UTC: local midnight of its first day to that of the next."""
    zone = ZoneInfo(tz)
    start = datetime.combine(period_first_day(period), time(0), zone)
    end = datetime.combine(period_last_day(period) + timedelta(days=1), time(0), zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


@lru_cache(maxsize=1024)  # a fan-out labels the same few periods for everyone
def period_label(period: str) -> str:
    """Words for people: "week 48 of 2026", "November 2026"."""
    if "-W" in period:
        year, week = period.split("-W")
        return f"week {int(week)} of {year}"
    year, month = period.split("-")
    return f"{_MONTHS[int(month) - 1]} {year}"
