"""When a snoozed prompt comes back, from what a person said ("2h", "tomorrow morning").

Pure: `now`, the person's timezone and work calendar are passed in. "Tomorrow morning" is
the next working day at MORNING local time (a Friday's snooze comes back on Monday).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from cadences.calendar import WorkCalendar, local_instant, zone

MORNING = time(9, 0)
DEFAULT_HOURS = 2
MAX_HOURS = 72
_HOURS = re.compile(r"(?:in\s+)?(\d{1,2})\s*(?:h|hr|hrs|hour|hours)\b")
_TOMORROW = re.compile(r"\btomorrow\b")
_DAYS_AHEAD = 21


@dataclass(frozen=True, slots=True)
class SnoozeChoice:
    hours: int | None = None  # "in N hours"
    tomorrow: bool = False  # "tomorrow morning"


def parse_snooze(text: str) -> SnoozeChoice | None:
    """`2h`, `in 2 hours`, `remind me in 3 hours`, `tomorrow`, `tomorrow morning`; empty → 2 hours."""
    words = " ".join(text.lower().split())
    if not words:
        return SnoozeChoice(hours=DEFAULT_HOURS)
    if _TOMORROW.search(words):
        return SnoozeChoice(tomorrow=True)
    found = _HOURS.search(words)
    if found and 1 <= int(found.group(1)) <= MAX_HOURS:
        return SnoozeChoice(hours=int(found.group(1)))
    return None


def snooze_until(choice: SnoozeChoice, *, now: datetime, tz: str, calendar: WorkCalendar) -> datetime:
    """The UTC instant the prompt comes back."""
    if not choice.tomorrow:
        return now + timedelta(hours=choice.hours or DEFAULT_HOURS)
    day = now.astimezone(zone(tz)).date() + timedelta(days=1)
    for _ in range(_DAYS_AHEAD):
        if calendar.is_working_day(day):
            break
        day += timedelta(days=1)
    return local_instant(day, MORNING, tz)
