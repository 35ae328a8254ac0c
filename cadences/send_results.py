"""What a batch of sends turned into, written back in a few statements, under the batch's lease.

Results wait in `BatchResults` and are flushed every FLUSH_EVERY (so few are ever in doubt
after a crash); each write applies only while the row is still `sending` under this batch's
lease. `renew` extends that lease for rows still in flight (cadences.sender keeps it alive).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from cadences.notifier import OutboundMessage, RetryLater, Sent, Unreachable
from cadences.wins import WIN_ANNOUNCEMENT
from storage.models import DeliveryStatus
from storage.repositories.outbox_rows import release_unsent, renew_lease, write_send_outcomes

if TYPE_CHECKING:
    from cadences.sender import DeliverySender

FLUSH_EVERY = 50  # results written once this many are waiting and…
FLUSH_INTERVAL = 0.2  # …this many seconds passed since the last write (or 20×FLUSH_EVERY waiting)
_SENT = DeliveryStatus.sent.value  # enum .value is slow per row


@dataclass
class SendResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    cancelled: int = 0
    reclaimed: int = 0

    def __post_init__(self) -> None:
        # (platform, outcome) → count, outcome one of sent, retried, failed, unreachable (for
        # /metrics); an attribute rather than a field, so the counts above stay plain numbers.
        self.by_platform: Counter[tuple[str, str]] = Counter()

    def add(self, other: "SendResult") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_platform.update(other.by_platform)


class Claimed(NamedTuple):
    message: OutboundMessage
    attempts: int  # before this one


class BatchResults:
    """Outcomes waiting to be written; flushed every FLUSH_EVERY so few are ever in doubt."""

    def __init__(self, sender: DeliverySender, lease_until: datetime, result: SendResult, *, now: datetime,
                 started: float, ids: list[int]) -> None:
        self.sender = sender
        self.result = result
        self.now, self.started, self.ids = now, started, ids
        self._hold(lease_until)
        self.updates: list[tuple] = []  # status, attempts, sent_at, ref, error, next attempt, id
        self.unreachable: dict[int, str] = {}
        self.announced: list[int] = []  # the deliveries among `updates` that sent a win's announcement
        self.lock = asyncio.Lock()
        self.last_flush = time.monotonic()
        self.recorded = 0  # outcomes added; fewer than len(ids) when the batch stopped early

    def _hold(self, lease_until: datetime) -> None:
        if getattr(self, "lease_until", None) not in (None, lease_until):
            self.sender.held_leases.discard(self.lease_until)
        self.lease_until = lease_until
        # On the sender's clock: the last moment a send can start and still end within the lease.
        left = (lease_until - self.now).total_seconds()  # a short lease (tests) keeps half of itself
        self.last_start = self.started + left - min(self.sender.send_timeout, self.sender.lease.total_seconds() / 2)

    async def renew(self) -> None:
        """Extend the lease of this batch's rows still being sent (results wait meanwhile)."""
        async with self.lock:
            renewed = self.sender.lease_until(self.now, self.started)
            async with self.sender.db.transaction() as session:
                await renew_lease(session, self.ids, held_until=self.lease_until, renewed=renewed)
            self._hold(renewed)

    def add(self, row: Claimed, outcome: Sent | Exception, at: datetime) -> bool:
        """Record an outcome; True when the caller should flush now."""
        attempts = row.attempts + 1
        delivery_id = row.message.delivery_id
        self.recorded += 1
        if isinstance(outcome, Sent):
            change = (_SENT, attempts, at, outcome.message_ref, None, None, delivery_id)
            self.result.sent += 1
            outcome_name = "sent"
            if row.message.template == WIN_ANNOUNCEMENT:
                self.announced.append(delivery_id)
        elif isinstance(outcome, Unreachable):
            change = (DeliveryStatus.unreachable.value, attempts, None, None, outcome.reason[:500], None, delivery_id)
            if row.message.person_id is not None:
                self.unreachable[row.message.person_id] = outcome.reason[:200]
            self.result.unreachable += 1
            outcome_name = "unreachable"
        elif isinstance(outcome, RetryLater) and attempts < self.sender.policy.max_attempts:
            delay = self.sender.backoff(attempts, outcome.retry_after)
            change = (DeliveryStatus.pending.value, attempts, None, None, outcome.reason[:500],
                      at + timedelta(seconds=delay), delivery_id)
            self.result.retried += 1
            outcome_name = "retried"
        else:
            reason = getattr(outcome, "reason", str(outcome))
            change = (DeliveryStatus.failed.value, attempts, None, None,
                      f"after {attempts} attempt(s): {reason}"[:500], None, delivery_id)
            self.result.failed += 1
            outcome_name = "failed"
        self.result.by_platform[(row.message.platform, outcome_name)] += 1
        self.updates.append(change)
        waiting = len(self.updates)
        return not self.lock.locked() and (waiting >= 20 * FLUSH_EVERY or (
            waiting >= FLUSH_EVERY and time.monotonic() - self.last_flush >= FLUSH_INTERVAL
        ))

    async def flush(self) -> None:
        async with self.lock:
            self.last_flush = time.monotonic()
            updates, self.updates = self.updates, []
            unreachable, self.unreachable = self.unreachable, {}
            announced, self.announced = self.announced, []
            if not updates:
                return
            async with self.sender.db.transaction() as session:
                await write_send_outcomes(session, updates, unreachable, self.lease_until, announced)

    async def release(self) -> None:
        """Once the batch is over: rows it never got to (a shutdown, an error, too little lease
        left) go back to `pending` now instead of waiting for their lease to run out."""
        async with self.lock:
            if self.recorded < len(self.ids):
                async with self.sender.db.transaction() as session:
                    await release_unsent(session, self.ids, held_until=self.lease_until)
            self.sender.held_leases.discard(self.lease_until)
