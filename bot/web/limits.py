"""Slowing down people guessing sign-in tokens."""

from __future__ import annotations

import time
from collections import deque


class AttemptLimiter:
    """At most `limit` failed sign-in attempts (unknown, used or expired links) per client
    address in `window` seconds, per process; then every attempt waits. Guessing a token can
    only fail, so it is slowed down; people opening their own links are not."""

    def __init__(self, limit: int = 20, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self._failed: dict[str, deque[float]] = {}

    def blocked(self, client: str) -> bool:
        recent = self._failed.get(client)
        if not recent:
            return False
        cutoff = time.monotonic() - self.window
        while recent and recent[0] <= cutoff:
            recent.popleft()
        return len(recent) >= self.limit

    def failed(self, client: str) -> None:
        self._failed.setdefault(client, deque()).append(time.monotonic())
        if len(self._failed) > 10_000:  # forget quiet clients so the table cannot grow without end
            for key in [k for k, v in self._failed.items() if not v][:5_000]:
                del self._failed[key]
