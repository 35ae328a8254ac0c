"""`Retry-After` read once for every platform: seconds to wait, from a number or an HTTP date.

Slack's SDK hands headers over as lists of values, the Bot Framework client as a
case-insensitive mapping; both come here. The outbox sender never retries sooner than this
(cadences.notifier.RetryLater).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from storage.models import utcnow


def retry_after_seconds(headers: Any, *, clock: Callable[[], datetime] = utcnow) -> float | None:
    """Retry-After in seconds (never negative), or None when absent or unreadable.

    `clock` gives the receipt time an HTTP-date value is measured from.
    """
    items = getattr(headers, "items", None)
    if items is None:
        return None
    raw = next((value for name, value in items() if str(name).lower() == "retry-after"), None)
    if isinstance(raw, (list, tuple)):
        raw = raw[0] if raw else None
    if raw is None or raw == "":
        return None
    try:
        return max(0.0, float(raw))
    except (TypeError, ValueError):
        pass
    try:
        return max(0.0, (parsedate_to_datetime(str(raw)) - clock()).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None
