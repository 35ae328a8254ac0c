"""When a person's prompt for a period is due: pure calendar rules, `now` passed in.

The nominal day comes from dateutil's rrule (weekday of the ISO week; day N, "first monday",
"last friday" or the last working weekday of the month). Days off — non-working weekdays,
public holidays of the person's country (the `holidays` package) and leave — move the prompt:

* forward to the next working day inside the same period;
* if none is left in the period, backward to the last working day before the nominal day
  (a monthly prompt never leaves its month, a weekly one stays in its ISO week);
* if the whole period is off, there is no prompt: the check-in is `skipped`.

The local time is turned into UTC DST-safely: a time that does not exist (spring-forward gap)
moves forward by the gap; an ambiguous one (fall-back) takes its first occurrence. That is
exactly PEP 495's `fold=0` reading of a wall time, which `zoneinfo` implements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, weekday as rr_weekday
from dateutil.rrule import FR, MO, SA, SU, TH, TU, WE

from cadences.periods import period_first_day, period_last_day, period_of
from cadences.settings import WEEKDAYS, CadenceRule

_RR_DAYS: tuple[rr_weekday, ...] = (MO, TU, WE, TH, FR, SA, SU)
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


@lru_cache(maxsize=512)
def public_holidays(country: str, year: int) -> frozenset[date]:
    """A country's national public holidays in a year (cached); unknown countries have none."""
    try:
        return frozenset(holidays.country_holidays(country.upper(), years=year).keys())
    except NotImplementedError:
        return frozenset()


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class WorkCalendar:
    """Which local days a person works: organisation working days minus holidays and leave."""

    working_days: frozenset[int] = frozenset(range(5))  # Monday = 0
    country: str | None = None
    leave: tuple[tuple[date, date], ...] = field(default_factory=tuple)  # inclusive ranges

    @classmethod
    def build(
        cls, *, working_days: Iterable[str], country: str | None, leave: Iterable[tuple[date, date]] = ()
    ) -> "WorkCalendar":
        return cls(
            working_days=frozenset(WEEKDAYS.index(day) for day in working_days),
            country=country or None,
            leave=tuple(sorted(leave)),
        )

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.working_days:
            return False
        if self.country and day in public_holidays(self.country, day.year):
            return False
        return not any(start <= day <= end for start, end in self.leave)


def nominal_day(rule: CadenceRule, period: str, calendar: WorkCalendar) -> date:
    """The day the rule names in this period, before days off are taken into account."""
    return _nominal_day(rule.every, rule.on, period, calendar.working_days)


@lru_cache(maxsize=4096)
def _nominal_day(every: str, on: str, period: str, working_days: frozenset[int]) -> date:
    first, last = period_first_day(period), period_last_day(period)
    if every == "week":
        days = rrule(WEEKLY, dtstart=first, until=last, byweekday=_RR_DAYS[WEEKDAYS.index(on)])
    elif on.isdigit():
        days = rrule(MONTHLY, dtstart=first, until=last, bymonthday=int(on))
    elif on == "last working day":
        weekdays = [_RR_DAYS[d] for d in sorted(working_days)]
        days = rrule(MONTHLY, dtstart=first, until=last, byweekday=weekdays, bysetpos=-1)
    else:
        ordinal, day_name = on.split()
        which = _RR_DAYS[WEEKDAYS.index(day_name)](_ORDINAL[ordinal])
        days = rrule(MONTHLY, dtstart=first, until=last, byweekday=which)
    return days[0].date()


def prompt_day(rule: CadenceRule, period: str, calendar: WorkCalendar) -> date | None:
    """The local day of the prompt for `period`, or None when the whole period is off."""
    if not calendar.leave:  # the common case, shared by everyone in a country: cache it
        return _prompt_day_without_leave(rule.every, rule.on, period, calendar)
    return _scan_for_working_day(nominal_day(rule, period, calendar), period, calendar)


@lru_cache(maxsize=4096)
def _prompt_day_without_leave(every: str, on: str, period: str, calendar: WorkCalendar) -> date | None:
    nominal = _nominal_day(every, on, period, calendar.working_days)
    return _scan_for_working_day(nominal, period, calendar)


def _scan_for_working_day(nominal: date, period: str, calendar: WorkCalendar) -> date | None:
    first, last = period_first_day(period), period_last_day(period)
    for day in rrule(DAILY, dtstart=nominal, until=last):
        if calendar.is_working_day(day.date()):
            return day.date()
    earlier = list(rrule(DAILY, dtstart=first, until=nominal))[:-1]
    for day in reversed(earlier):
        if calendar.is_working_day(day.date()):
            return day.date()
    return None


@lru_cache(maxsize=8192)
def local_instant(day: date, at: time, tz: str) -> datetime:
    """`at` on local `day` in `tz`, as aware UTC (gap → moved forward, overlap → first)."""
    return datetime.combine(day, at, zone(tz)).astimezone(timezone.utc)


def prompt_at(rule: CadenceRule, period: str, *, tz: str, calendar: WorkCalendar) -> datetime | None:
    """When the prompt for `period` is due (UTC), or None when the period is skipped."""
    day = prompt_day(rule, period, calendar)
    return None if day is None else local_instant(day, rule.local_time, tz)


def current_period_for(rule: CadenceRule, now: datetime, tz: str) -> str:
    return period_of(rule.every, now.astimezone(zone(tz)).date())
