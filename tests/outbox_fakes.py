"""Chat platforms for sender tests: they record what arrived and answer as scripted."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from cadences.notifier import OutboundMessage, RetryLater, Sent


class RecordingPlatform:
    """Accepts everything; `received` counts arrivals per idempotency key."""

    name = "console"

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()

    async def deliver(self, message: OutboundMessage) -> Sent:
        self.received[message.idempotency_key] += 1
        return Sent(message_ref=f"ref-{message.delivery_id}")


class FlakyPlatform(RecordingPlatform):
    """Like a busy platform API: some sends get 429 + Retry-After, some a 5xx."""

    def __init__(self, *, seed: int = 7, rate_limited: float = 0.2, server_errors: float = 0.2, retry_after: float = 30) -> None:
        super().__init__()
        self.random = random.Random(seed)
        self.rate_limited, self.server_errors, self.retry_after = rate_limited, server_errors, retry_after
        self.refused: Counter[str] = Counter()

    async def deliver(self, message: OutboundMessage) -> Sent:
        roll = self.random.random()
        if roll < self.rate_limited:
            self.refused[message.idempotency_key] += 1
            raise RetryLater("429 Too Many Requests", retry_after=self.retry_after)
        if roll < self.rate_limited + self.server_errors:
            self.refused[message.idempotency_key] += 1
            raise RetryLater("503 Service Unavailable")
        return await super().deliver(message)


class GatedPlatform(RecordingPlatform):
    """Holds every send until `release()`: a slow platform, for overlapping ticks."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.waiting = 0

    async def deliver(self, message: OutboundMessage) -> Sent:
        self.waiting += 1
        await self.gate.wait()
        return await super().deliver(message)

    def release(self) -> None:
        self.gate.set()
