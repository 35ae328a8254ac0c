"""Send-rate limits, one implementation for every platform and for the outbox sender.

A `SlidingWindow` allows at most `limit` starts in any `window` seconds per key (a
conversation, a tenant, a platform); `RateLimiter` waits for a slot under each of its windows
at once. A platform adapter owns the limits its platform sets (Teams: 7 per second per
conversation, 50 per tenant); the sender's `delivery.rate_per_second` is only an extra cap an
operator may configure per platform, none by default, so no limit is applied twice.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable, Sequence

from cadences.notifier import RetryLater


class SlidingWindow:
    """At most `limit` reservations in any `window` seconds, per key. Keys idle for a whole
    window are forgotten, so a process that talks to many conversations does not grow."""

    def __init__(self, limit: int, window: float = 1.0) -> None:
        self.limit = limit
        self.window = window
        self._slots: dict[str, deque[float]] = {}
        self._sweep_at = -math.inf

    @classmethod
    def per_second(cls, rate: float) -> "SlidingWindow":
        """`rate` starts per second on average (a fraction too: 0.5 is one start every 2 s)."""
        limit = max(1, math.floor(rate))
        return cls(limit, limit / rate)

    def __len__(self) -> int:
        """How many keys are being tracked."""
        return len(self._slots)

    def next_free(self, key: str, now: float) -> float:
        if now >= self._sweep_at:
            self._forget_idle(now)
        slots = self._slots.get(key)
        if not slots:
            return now
        while slots and slots[0] <= now - self.window:
            slots.popleft()
        if len(slots) < self.limit:
            return now
        return slots[-self.limit] + self.window

    def reserve(self, key: str, at: float) -> None:
        slots = self._slots.get(key)
        if slots is None:
            slots = self._slots[key] = deque()
        slots.append(at)

    def _forget_idle(self, now: float) -> None:
        horizon = now - self.window
        for key in [key for key, slots in self._slots.items() if not slots or slots[-1] <= horizon]:
            del self._slots[key]
        self._sweep_at = now + self.window


class RateLimiter:
    """Wait for a slot free in every window (one key each), or raise RetryLater when that wait
    would be longer than `max_wait` (the message goes back to the outbox; the worker moves on)."""

    def __init__(
        self, windows: Sequence[SlidingWindow], *, max_wait: float | None = None, reason: str = "send limit reached",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.windows = tuple(windows)
        self.max_wait = max_wait
        self.reason = reason
        self.clock = clock

    async def acquire(self, *keys: str) -> None:
        # No await between looking and reserving: concurrent callers cannot take the same slot.
        now = self.clock()
        at = max(window.next_free(key, now) for window, key in zip(self.windows, keys, strict=True))
        if self.max_wait is not None and at - now > self.max_wait:
            raise RetryLater(self.reason, retry_after=at - now)
        for window, key in zip(self.windows, keys, strict=True):
            window.reserve(key, at)
        if at > now:
            await asyncio.sleep(at - now)
