"""When a pull source is fetched next: pure rules, `now` from the caller."""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_RETRY = timedelta(minutes=1)
LEASE = timedelta(minutes=5)  # a claimed source is left alone this long by other processes


def next_after_success(now: datetime, every_seconds: int) -> datetime:
    return now + timedelta(seconds=every_seconds)


def next_after_failure(now: datetime, failures: int, every_seconds: int, retry_after: float | None = None) -> datetime:
    """Back off 1, 2, 4, 8 … minutes after consecutive failures (`failures` counts this one),
    never longer than the source's own interval; a service's Retry-After is always respected."""
    backoff = min(FIRST_RETRY * (2 ** max(0, failures - 1)), timedelta(seconds=every_seconds))
    if retry_after is not None:
        backoff = max(backoff, timedelta(seconds=retry_after))
    return now + backoff
