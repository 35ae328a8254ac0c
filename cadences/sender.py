"""The outbox sender: claim due deliveries, send them through a Notifier, record what happened.

Claims are exclusive (storage.claims): a claimed row is `sending` with a lease
(`claimed_until`) and every result is written only if the lease is still ours, so overlapping
ticks and replicas never send a row twice. A process killed mid-send leaves its rows
`sending`; once the lease expires the next tick puts them back to `pending` (those few may be
sent twice — the only duplicates possible, and the reason results are written every
few hundred milliseconds rather than once per batch). While a batch is in flight its lease is
renewed every third of `lease`, so a long batch (Slack at 4 at a time, 30 s timeouts) never
outlives it; a row is started only while at least `send_timeout` of the lease is left.

When a chat platform is enabled, direct messages go to the person's identity at send time
(cadences.delivery_targets): a person linked since the row was queued gets it there, and one
with no chat identity yet is retried hourly, never "sent" to the console inbox instead.

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
from collections import defaultdict
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from cadences.delivery_targets import CHAT_PLATFORMS, route_to_current_identity
from cadences.notifier import Notifier, OutboundMessage, PermanentFailure, RetryLater, Sent, Unreachable
from cadences.send_results import BatchResults, Claimed, SendResult
from cadences.settings import DeliveryPolicy
from storage.db import Database
from storage.repositories.outbox_rows import (
    cancel_for_closed_checkins,
    claim_due_deliveries,
    reclaim_expired_deliveries,
    release_leases,
)

log = logging.getLogger(__name__)
DEFAULT_CONCURRENCY = 8
YIELD_EVERY = 4  # sends by one worker between turns of the event loop, at most (a fan-out
# of 64 workers then gives the loop back every 256 sends, so the planner's next batch moves on)
_CHECKIN_TEMPLATES = ("checkin_prompt", "checkin_reminder")


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


async def _all_or_first_error(tasks: list[asyncio.Task]) -> None:
    """Wait for every task; if one fails (or this is cancelled), cancel the rest, wait for them
    to stop, and raise that error — no worker keeps sending unwatched after its batch ended."""
    if not tasks:
        return
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    for task in tasks:
        if task in done and not task.cancelled() and task.exception() is not None:
            raise task.exception()


class _Watch:
    """One worker's send in progress, seen by its batch's watchdog."""

    __slots__ = ("task", "deadline", "expired")

    def __init__(self, task: asyncio.Task) -> None:
        self.task = task
        self.deadline: float | None = None  # loop time by which the send must have ended
        self.expired = False


class DeliverySender:
    def __init__(
        self, db: Database, notifier: Notifier, policy: DeliveryPolicy | None = None, *,
        lease: timedelta = timedelta(minutes=5), send_timeout: float = 30.0, rng: random.Random | None = None,
        chat_platforms: Collection[str] = (), clock: Callable[[], float] = time.monotonic,
        renew_every: float | None = None,
    ) -> None:
        """`chat_platforms`: the chat platforms enabled in this process (slack, teams), for
        resolving people's addresses at send time. `clock` (monotonic seconds) and
        `renew_every` (seconds between lease renewals, default a third of `lease`) are for tests.
        """
        self.db = db
        self.notifier = notifier
        self.policy = policy or DeliveryPolicy()
        self.lease = lease
        self.send_timeout = send_timeout
        self.rng = rng or random.Random()
        self.chat_platforms = frozenset(chat_platforms) & frozenset(CHAT_PLATFORMS)
        self.clock = clock
        self.renew_every = renew_every or self.lease.total_seconds() / 3
        self._renewal = asyncio.Event()
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._pacers: dict[str, _Pacer] = {}
        self._handed_over = SendResult()  # sent by send_claimed since the last run_once
        # Leases this sender handed out that rows may still hold: released at shutdown
        # (`release_held`) so nothing waits for its lease to expire before another process sends it.
        self.held_leases: set[datetime] = set()
        self.stopping = False  # set at shutdown: sends under way finish, nothing new starts

    async def run_once(self, now: datetime) -> SendResult:
        """Send everything due at `now` (claiming in batches), then return what happened.

        The result also counts what `send_claimed` sent since the previous run (the planner's
        prompts of this tick), so a tick reports every message it sent.
        """
        result = SendResult(reclaimed=await self.reclaim_expired(now))
        self.held_leases = {lease for lease in self.held_leases if lease > now}  # expired ones need no release
        started = self.clock()
        while not self.stopping:
            lease_until = self.lease_until(now, started)
            async with self.db.transaction() as session:
                rows = await self.claim_due(session, now, lease_until)
                claimed = len(rows)
                rows = await self._cancel_closed_checkins(session, rows, result)
                rows, held = await self._route(session, rows)
            result.claimed += len(rows) + len(held)
            if rows or held:
                await self._send_batch(rows, now, started, lease_until, result, held=held)
            if claimed < self.policy.batch_size:  # a full batch may have more behind it
                break
        result.add(self._handed_over)
        self._handed_over = SendResult()
        return result

    def lease_until(self, now: datetime, started: float) -> datetime:
        """The lease for rows claimed now, in the frame of `now` (a tick that began at `started`)."""
        lease = now + timedelta(seconds=self.clock() - started) + self.lease
        self.held_leases.add(lease)
        return lease

    async def release_held(self) -> int:
        """Put every row still under one of this sender's leases back to `pending` (shutdown)."""
        leases, self.held_leases = list(self.held_leases), set()
        if not leases:
            return 0
        async with self.db.transaction() as session:
            return await release_leases(session, leases)

    async def send_claimed(
        self, messages: list[OutboundMessage], *, now: datetime, started: float, lease_until: datetime
    ) -> None:
        """Send deliveries the caller wrote as claimed (status `sending`, `claimed_until` =
        `lease_until`; cadences.checkin_messages.enqueue_prompts) and committed.

        The planner's fan-out: its prompts skip the claim query and the JSON round trip. The
        rows hold a lease like claimed ones, so a crash leaves them to `reclaim_expired`.
        """
        if messages:
            self._handed_over.claimed += len(messages)
            rows, held = [Claimed(message, 0) for message in messages], []
            if self.chat_platforms:
                async with self.db.transaction() as session:
                    rows, held = await self._route(session, rows)
            await self._send_batch(rows, now, started, lease_until, self._handed_over, held=held)

    async def next_lease_renewal(self) -> None:
        """Wait until this sender next renews the lease of a batch in flight."""
        await self._renewal.wait()

    async def _route(self, session: AsyncSession, rows: list[Claimed]) -> tuple[list[Claimed], list[tuple[Claimed, Exception]]]:
        """Rows to send, re-addressed to their people's current identities, and rows held back."""
        if not self.chat_platforms or not rows:
            return rows, []
        moved, held = await route_to_current_identity(session, [row.message for row in rows], self.chat_platforms)
        if not moved and not held:
            return rows, []
        send, hold = [], []
        for row in rows:
            delivery_id = row.message.delivery_id
            if delivery_id in held:
                hold.append((row, held[delivery_id]))
            else:
                send.append(row._replace(message=moved[delivery_id]) if delivery_id in moved else row)
        return send, hold

    async def reclaim_expired(self, now: datetime) -> int:
        """Rows left `sending` by a process that died go back to `pending`."""
        async with self.db.transaction() as session:
            return await reclaim_expired_deliveries(session, now)

    async def claim_due(self, session: AsyncSession, now: datetime, lease_until: datetime) -> list[Claimed]:
        return [
            Claimed(OutboundMessage(
                delivery_id=id_, idempotency_key=key, platform=platform, address=address, template=template,
                context=context, person_id=person_id, replace_ref=replaces_ref,
            ), attempts)
            for id_, key, platform, address, template, context, person_id, replaces_ref, attempts
            in await claim_due_deliveries(session, now, lease_until, self.policy.batch_size)
        ]

    async def _cancel_closed_checkins(self, session: AsyncSession, rows: list[Claimed], result: SendResult) -> list[Claimed]:
        checkin_ids = {
            row.message.context.get("checkin_id"): row.message.delivery_id for row in rows
            if row.message.template in _CHECKIN_TEMPLATES and row.message.idempotency_key.startswith("checkin:")
        }
        checkin_ids.pop(None, None)
        cancel = await cancel_for_closed_checkins(session, checkin_ids, "check-in already closed")
        if not cancel:
            return rows
        result.cancelled += len(cancel)
        keep = set(cancel)
        return [row for row in rows if row.message.delivery_id not in keep]

    async def _send_batch(
        self, rows: list[Claimed], now: datetime, started: float, lease_until: datetime, result: SendResult,
        *, held: list[tuple[Claimed, Exception]] = (),
    ) -> None:
        """Per platform, `concurrency` workers take the rows in turn (no task per message)."""
        buffer = BatchResults(self, lease_until, result, now=now, started=started,
                          ids=[row.message.delivery_id for row in (*rows, *(row for row, _ in held))])
        for row, reason in held:
            buffer.add(row, reason, now + timedelta(seconds=self.clock() - started))
        if lease_until - (now + timedelta(seconds=self.clock() - started)) < self.lease / 2:
            # Rows written claimed a while ago (the planner's next batch waits for the one before
            # it): renew before sending, so their lease is not spent waiting.
            await buffer.renew()
        by_platform: dict[str, list[Claimed]] = defaultdict(list)
        for row in rows:
            by_platform[row.message.platform].append(row)
        workers: list = []
        watches: list[_Watch] = []
        for platform, queue in by_platform.items():
            semaphore = self._semaphores.get(platform)
            if semaphore is None:
                limit = self.policy.concurrency.get(platform, DEFAULT_CONCURRENCY)
                semaphore = self._semaphores[platform] = asyncio.Semaphore(limit)
                self._pacers[platform] = _Pacer(self.policy.rate_per_second.get(platform))
            pending = iter(queue)  # shared: each row is taken by exactly one worker
            count = min(len(queue), self.policy.concurrency.get(platform, DEFAULT_CONCURRENCY))
            workers += [self._work(pending, semaphore, self._pacers[platform], buffer, now, started, watches)
                        for _ in range(count)]
        stop = asyncio.Event()
        keeper = asyncio.create_task(self._keep_lease(buffer, stop)) if workers else None
        watchdog = asyncio.create_task(self._watchdog(watches, stop)) if workers else None
        tasks = [asyncio.create_task(worker) for worker in workers]
        try:
            await _all_or_first_error(tasks)
        finally:
            stop.set()
            for task in (keeper, watchdog):
                if task is not None:
                    await asyncio.gather(task, return_exceptions=True)
            # What was sent is recorded even when the batch stops early (an error, a shutdown):
            # otherwise those rows would be sent again once their lease ran out. What was not
            # sent is released at once rather than left leased.
            await asyncio.shield(self._settle(buffer))

    async def _settle(self, buffer: "BatchResults") -> None:
        await buffer.flush()
        await buffer.release()

    async def _watchdog(self, watches: list["_Watch"], stop: asyncio.Event) -> None:
        """Cancel sends that outlive `send_timeout`: one timer for the whole batch instead of an
        `asyncio.timeout` per message (a fan-out of 100,000 paid more for those than for sending)."""
        loop = asyncio.get_running_loop()
        interval = min(1.0, self.send_timeout / 4)  # a send started later ends no sooner than this
        while True:
            now = loop.time()
            earliest = now + interval
            for watch in watches:
                deadline = watch.deadline
                if deadline is None or watch.expired:
                    continue
                if now >= deadline:
                    watch.expired = True
                    watch.task.cancel()
                else:
                    earliest = min(earliest, deadline)
            try:  # wake at the earliest deadline: a send never outlives its timeout by more than a turn
                await asyncio.wait_for(stop.wait(), max(0.0, earliest - now))
                return
            except TimeoutError:
                pass

    async def _keep_lease(self, buffer: "BatchResults", stop: asyncio.Event) -> None:
        while True:
            try:
                await asyncio.wait_for(stop.wait(), self.renew_every)
                return
            except TimeoutError:
                pass
            try:
                await buffer.renew()
            except Exception:  # the database is away: rows whose lease runs out are not started
                log.warning("renewing the lease of %d messages in flight failed", len(buffer.ids), exc_info=True)
                continue
            renewal, self._renewal = self._renewal, asyncio.Event()
            renewal.set()

    async def _work(self, pending, semaphore: asyncio.Semaphore, pacer: _Pacer, buffer: "BatchResults",
                    now: datetime, started: float, watches: list["_Watch"]) -> None:
        # The semaphore still bounds the platform across overlapping runs in one process.
        clock, loop_time, timeout = self.clock, asyncio.get_running_loop().time, self.send_timeout
        watch = _Watch(asyncio.current_task())
        watches.append(watch)
        done = 0
        for row in pending:
            async with semaphore:
                if pacer.interval:
                    await pacer.wait()
                if self.stopping or clock() >= buffer.last_start:
                    continue  # shutting down, or too little lease left: released when the batch ends
                cancelling = watch.task.cancelling()
                watch.deadline = loop_time() + timeout  # the only await while it is set is the send
                try:
                    outcome = await self._deliver(row.message)
                except asyncio.CancelledError:
                    # The watchdog's cancel becomes a retry; any other cancellation goes on.
                    if not watch.expired or watch.task.uncancel() > cancelling:
                        raise
                    outcome = RetryLater(f"no answer within {timeout:g}s")
                finally:
                    watch.deadline, watch.expired = None, False
            # Sent times to the millisecond: a few thousand sends share each stored value.
            at = now + timedelta(milliseconds=round((clock() - started) * 1000))
            if buffer.add(row, outcome, at):
                await buffer.flush()
            else:
                done += 1
                if done % YIELD_EVERY == 0:
                    # Sends that finish without waiting (an in-process platform) never give the
                    # loop back; now and then they do, so requests being served are not held up.
                    await asyncio.sleep(0)

    async def _deliver(self, message: OutboundMessage) -> Sent | Exception:
        try:
            return await self.notifier.deliver(message)
        except (RetryLater, Unreachable, PermanentFailure) as error:
            return error
        except TimeoutError:  # the platform client's own timeout
            return RetryLater("the platform did not answer in time")
        except Exception as error:  # a bug or an unexpected network error: retry, never crash the tick
            log.exception("sending %s failed unexpectedly", message.idempotency_key)
            return RetryLater(f"{type(error).__name__}: {error}"[:300])

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter: uniform(0, min(cap, base·2^(attempt-1))), never below `retry_after`."""
        ceiling = min(self.policy.max_backoff_seconds, self.policy.base_backoff_seconds * 2 ** (attempt - 1))
        return max(self.rng.uniform(0, ceiling), retry_after or 0.0, 0.001)
