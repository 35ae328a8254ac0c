"""The outbox sender: claim due deliveries, send them through a Notifier, record what happened.

Claims are exclusive (cadences.claims): a claimed row is `sending` with a lease
(`claimed_until`) and every result is written only if the lease is still ours, so overlapping
ticks and replicas never send a row twice. A process killed mid-send leaves its rows
`sending`; once the lease expires the next tick puts them back to `pending` (those few may be
sent twice — the only duplicates possible, and the reason results are written every
few hundred milliseconds rather than once per batch).

Per platform: at most `delivery.concurrency[platform]` sends at once and, when configured,
at most `delivery.rate_per_second[platform]`. RetryLater (429, 5xx, timeouts) retries with
exponential backoff and full jitter, never sooner than its `retry_after`; after
`delivery.max_attempts` the row is `failed` with the reason. Unreachable marks the row and
the person (Person.unreachable_reason) and cancels their other pending messages.
A prompt or reminder whose check-in was answered (or closed) before it went out is cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.claims import claim_rows
from cadences.notifier import Notifier, OutboundMessage, PermanentFailure, RetryLater, Sent, Unreachable
from cadences.settings import DeliveryPolicy
from storage.db import Database
from storage.models import CheckIn, CheckInStatus, Delivery, DeliveryStatus, Person

log = logging.getLogger(__name__)
DELIVERY = Delivery.__table__
_D = DELIVERY.c
_C = CheckIn.__table__.c
_P = Person.__table__.c
FLUSH_EVERY = 50  # results written once this many are waiting and…
FLUSH_INTERVAL = 0.2  # …this many seconds passed since the last write (or 20×FLUSH_EVERY waiting)
DEFAULT_CONCURRENCY = 8
_CLOSED_CHECKIN = (CheckInStatus.answered.value, CheckInStatus.missed.value, CheckInStatus.skipped.value)
_CHECKIN_TEMPLATES = ("checkin_prompt", "checkin_reminder")


@dataclass
class SendResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    cancelled: int = 0
    reclaimed: int = 0


class _Pacer:
    """At most `rate` starts per second (a platform-wide cap such as Teams' 50 requests/s)."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next_slot = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        slot = max(now, self.next_slot)
        self.next_slot = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class DeliverySender:
    def __init__(
        self, db: Database, notifier: Notifier, policy: DeliveryPolicy | None = None, *,
        lease: timedelta = timedelta(minutes=5), send_timeout: float = 30.0, rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.notifier = notifier
        self.policy = policy or DeliveryPolicy()
        self.lease = lease
        self.send_timeout = send_timeout
        self.rng = rng or random.Random()
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._pacers: dict[str, _Pacer] = {}

    async def run_once(self, now: datetime) -> SendResult:
        """Send everything due at `now` (claiming in batches), then return what happened."""
        result = SendResult(reclaimed=await self.reclaim_expired(now))
        started = time.monotonic()
        while True:
            lease_until = now + timedelta(seconds=time.monotonic() - started) + self.lease
            async with self.db.transaction() as session:
                rows = await self.claim_due(session, now, lease_until)
                rows = await self._cancel_closed_checkins(session, rows, result)
            result.claimed += len(rows)
            if rows:
                await self._send_batch(rows, now, started, lease_until, result)
            if result.claimed == 0 or len(rows) < self.policy.batch_size:
                return result

    async def reclaim_expired(self, now: datetime) -> int:
        """Rows left `sending` by a process that died go back to `pending`."""
        async with self.db.transaction() as session:
            found = await session.execute(
                update(DELIVERY)
                .where(_D.status == DeliveryStatus.sending.value, _D.claimed_until < now)
                .values(status=DeliveryStatus.pending.value, claimed_until=None)
                .returning(_D.id)
            )
            return len(found.all())

    async def claim_due(self, session: AsyncSession, now: datetime, lease_until: datetime) -> list:
        return await claim_rows(
            session, DELIVERY,
            where=(_D.status == DeliveryStatus.pending.value) & (_D.next_attempt_at <= now),
            order_by=_D.next_attempt_at, limit=self.policy.batch_size,
            values={"status": DeliveryStatus.sending.value, "claimed_until": lease_until},
            returning=(
                _D.id, _D.idempotency_key, _D.platform, _D.address, _D.template, _D.context,
                _D.person_id, _D.replaces_ref, _D.attempts, _D.claimed_until,
            ),
        )

    async def _cancel_closed_checkins(self, session: AsyncSession, rows: list, result: SendResult) -> list:
        checkin_ids = {
            row.context.get("checkin_id"): row for row in rows
            if row.template in _CHECKIN_TEMPLATES and row.idempotency_key.startswith("checkin:") and row.context
        }
        checkin_ids.pop(None, None)
        if not checkin_ids:
            return rows
        closed = set((await session.execute(
            select(_C.id).where(_C.id.in_(list(checkin_ids)), _C.status.in_(_CLOSED_CHECKIN))
        )).scalars())
        if not closed:
            return rows
        cancel = [checkin_ids[checkin_id].id for checkin_id in closed]
        await session.execute(
            update(DELIVERY).where(_D.id.in_(cancel))
            .values(status=DeliveryStatus.cancelled.value, claimed_until=None, last_error="check-in already closed")
        )
        result.cancelled += len(cancel)
        keep = set(cancel)
        return [row for row in rows if row.id not in keep]

    async def _send_batch(self, rows: list, now: datetime, started: float, lease_until: datetime, result: SendResult) -> None:
        buffer = _Results(self, lease_until, result)

        async def send(row) -> None:
            platform = row.platform
            semaphore = self._semaphores.get(platform)
            if semaphore is None:
                limit = self.policy.concurrency.get(platform, DEFAULT_CONCURRENCY)
                semaphore = self._semaphores[platform] = asyncio.Semaphore(limit)
                self._pacers[platform] = _Pacer(self.policy.rate_per_second.get(platform))
            async with semaphore:
                await self._pacers[platform].wait()
                outcome = await self._deliver(row)
            at = now + timedelta(seconds=time.monotonic() - started)
            await buffer.add(row, outcome, at)

        await asyncio.gather(*(send(row) for row in rows))
        await buffer.flush()

    async def _deliver(self, row) -> Sent | Exception:
        message = OutboundMessage(
            delivery_id=row.id, idempotency_key=row.idempotency_key, platform=row.platform,
            address=row.address, template=row.template, context=row.context or {},
            person_id=row.person_id, replace_ref=row.replaces_ref,
        )
        try:
            return await asyncio.wait_for(self.notifier.deliver(message), self.send_timeout)
        except (RetryLater, Unreachable, PermanentFailure) as error:
            return error
        except asyncio.TimeoutError:
            return RetryLater(f"no answer within {self.send_timeout:g}s")
        except Exception as error:  # a bug or an unexpected network error: retry, never crash the tick
            log.exception("sending %s failed unexpectedly", row.idempotency_key)
            return RetryLater(f"{type(error).__name__}: {error}"[:300])

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter: uniform(0, min(cap, base·2^(attempt-1))), never below `retry_after`."""
        ceiling = min(self.policy.max_backoff_seconds, self.policy.base_backoff_seconds * 2 ** (attempt - 1))
        return max(self.rng.uniform(0, ceiling), retry_after or 0.0, 0.001)


class _Results:
    """Outcomes waiting to be written; flushed every FLUSH_EVERY so few are ever in doubt."""

    def __init__(self, sender: DeliverySender, lease_until: datetime, result: SendResult) -> None:
        self.sender = sender
        self.lease_until = lease_until
        self.result = result
        self.updates: list[dict[str, Any]] = []
        self.unreachable: dict[int, str] = {}
        self.lock = asyncio.Lock()
        self.last_flush = time.monotonic()

    async def add(self, row, outcome: Sent | Exception, at: datetime) -> None:
        attempts = row.attempts + 1
        change = {"b_id": row.id, "b_lease": self.lease_until, "b_attempts": attempts, "b_sent_at": None,
                  "b_ref": None, "b_next": None, "b_error": None}
        if isinstance(outcome, Sent):
            change.update(b_status=DeliveryStatus.sent.value, b_sent_at=at, b_ref=outcome.message_ref)
            self.result.sent += 1
        elif isinstance(outcome, Unreachable):
            change.update(b_status=DeliveryStatus.unreachable.value, b_error=outcome.reason[:500])
            if row.person_id is not None:
                self.unreachable[row.person_id] = outcome.reason[:200]
            self.result.unreachable += 1
        elif isinstance(outcome, RetryLater) and attempts < self.sender.policy.max_attempts:
            delay = self.sender.backoff(attempts, outcome.retry_after)
            change.update(b_status=DeliveryStatus.pending.value, b_error=outcome.reason[:500],
                          b_next=at + timedelta(seconds=delay))
            self.result.retried += 1
        else:
            reason = getattr(outcome, "reason", str(outcome))
            change.update(b_status=DeliveryStatus.failed.value,
                          b_error=f"after {attempts} attempt(s): {reason}"[:500])
            self.result.failed += 1
        self.updates.append(change)
        waiting = len(self.updates)
        if waiting >= 20 * FLUSH_EVERY or (
            waiting >= FLUSH_EVERY and time.monotonic() - self.last_flush >= FLUSH_INTERVAL
        ):
            await self.flush()

    async def flush(self) -> None:
        async with self.lock:
            self.last_flush = time.monotonic()
            updates, self.updates = self.updates, []
            unreachable, self.unreachable = self.unreachable, {}
            if not updates:
                return
            async with self.sender.db.transaction() as session:
                await _write_outcomes(session, updates, unreachable)


async def _write_outcomes(session: AsyncSession, updates: list[dict[str, Any]], unreachable: dict[int, str]) -> None:
    await session.execute(
        update(DELIVERY)
        .where(_D.id == bindparam("b_id"), _D.claimed_until == bindparam("b_lease"),
               _D.status == DeliveryStatus.sending.value)
        .values(
            status=bindparam("b_status"), attempts=bindparam("b_attempts"), sent_at=bindparam("b_sent_at"),
            message_ref=bindparam("b_ref"), last_error=bindparam("b_error"), claimed_until=None,
            next_attempt_at=func.coalesce(bindparam("b_next", type_=_D.next_attempt_at.type), _D.next_attempt_at),
        ),
        updates,
    )
    for person_id, reason in unreachable.items():
        await session.execute(update(Person.__table__).where(_P.id == person_id).values(unreachable_reason=reason))
        await session.execute(
            update(DELIVERY)
            .where(_D.person_id == person_id, _D.status == DeliveryStatus.pending.value)
            .values(status=DeliveryStatus.cancelled.value, last_error=f"person unreachable: {reason}"[:500])
        )
