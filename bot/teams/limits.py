"""Teams' send limits, kept on our side so the connector rarely has to answer 429.

Microsoft allows a bot about 7 messages per second in one conversation and 50 requests per
second per app per tenant. `TeamsRateLimiter.acquire` reserves a slot in both windows
(cadences.rate_limits) and waits for it; when the wait would be long it raises RetryLater
instead, so the outbox sender puts the message back and the worker is free for other
conversations. These are the only Teams limits: the sender adds none of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cadences.rate_limits import RateLimiter, SlidingWindow

PER_CONVERSATION_PER_SECOND = 7
PER_TENANT_PER_SECOND = 50
MAX_WAIT_SECONDS = 2.0
# Statuses on which Teams asks a bot to slow down or try again later.
RETRY_STATUSES = frozenset({412, 429, 500, 502, 503, 504})


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
        self.limiter = RateLimiter(
            (self.conversations, self.tenants), max_wait=max_wait, clock=clock,
            reason="Teams send limit reached for this conversation or tenant",
        )

    async def acquire(self, conversation_id: str, tenant_id: str | None) -> None:
        """Wait for a free slot in this conversation and tenant, or raise RetryLater."""
        await self.limiter.acquire(conversation_id, tenant_id or "-")
