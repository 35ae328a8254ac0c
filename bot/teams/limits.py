"""Teams' send limits, kept on our side so the connector rarely has to answer 429.

Microsoft allows a bot about 7 messages per second in one conversation and 50 requests per
second per app per tenant. `TeamsRateLimiter.acquire` reserves a slot in both windows and
waits for it; when the wait would be long it raises RetryLater instead, so the outbox sender
puts the message back and the worker is free for other conversations.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Callable

from cadences.notifier import RetryLater

PER_CONVERSATION_PER_SECOND = 7
PER_TENANT_PER_SECOND = 50
WINDOW_SECONDS = 1.0
MAX_WAIT_SECONDS = 2.0
# Statuses on which Teams asks a bot to slow down or try again later.
RETRY_STATUSES = frozenset({412, 429, 500, 502, 503, 504})


class SlidingWindow:
    """At most `limit` reservations in any `window` seconds, per key."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._slots: dict[str, deque[float]] = defaultdict(deque)

    def next_free(self, key: str, now: float) -> float:
        slots = self._slots[key]
        while slots and slots[0] <= now - self.window:
            slots.popleft()
        if len(slots) < self.limit:
            return now
        return slots[-self.limit] + self.window

    def reserve(self, key: str, at: float) -> None:
        self._slots[key].append(at)


class TeamsRateLimiter:
    def __init__(
        self,
        *,
        per_conversation: int = PER_CONVERSATION_PER_SECOND,
        per_tenant: int = PER_TENANT_PER_SECOND,
        max_wait: float = MAX_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.conversations = SlidingWindow(per_conversation)
        self.tenants = SlidingWindow(per_tenant)
        self.max_wait = max_wait
        self.clock = clock
        self._lock = asyncio.Lock()

    async def acquire(self, conversation_id: str, tenant_id: str | None) -> None:
        """Wait for a free slot in this conversation and tenant, or raise RetryLater."""
        tenant = tenant_id or "-"
        async with self._lock:
            now = self.clock()
            at = max(self.conversations.next_free(conversation_id, now), self.tenants.next_free(tenant, now))
            if at - now > self.max_wait:
                raise RetryLater("Teams send limit reached for this conversation or tenant", retry_after=at - now)
            self.conversations.reserve(conversation_id, at)
            self.tenants.reserve(tenant, at)
        if at > now:
            await asyncio.sleep(at - now)
