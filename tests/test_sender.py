"""The outbox sender: exactly once, retries as told, unreachable people, overlapping ticks."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from bot.notifiers import PlatformNotifier
from cadences.notifier import OutboundMessage, Unreachable
from cadences.outbox import enqueue_rows
from cadences.sender import DeliverySender
from cadences.settings import DeliveryPolicy
from storage.db import Database
from storage.models import CheckIn, CheckInStatus, Delivery, DeliveryStatus, Person
from tests.cadence_fixtures import add_people, add_person, deliveries, planner, utc
from tests.outbox_fakes import FlakyPlatform, GatedPlatform, RecordingPlatform

NOW = utc(2026, 3, 2, 8)


def sender(db: Database, platform, **policy) -> DeliverySender:
    return DeliverySender(db, PlatformNotifier({"console": platform}), DeliveryPolicy(**policy))


async def queue(db: Database, count: int, *, person_id: int | None = None, platform: str = "console") -> None:
    async with db.transaction() as session:
        await enqueue_rows(session, [
            {"idempotency_key": f"test:{n}", "person_id": person_id, "team_id": None, "platform": platform,
             "address": f"a{n}", "template": "digest", "context": {"n": n}, "status": "pending",
             "attempts": 0, "next_attempt_at": NOW, "replaces_ref": None, "created_at": NOW}
            for n in range(count)
        ])


async def test_prompts_planned_then_sent_arrive_once_with_their_message_ref(db: Database) -> None:
    await add_people(db, 12)
    plan = planner(db)
    await plan.tick(utc(2026, 3, 1, 12))
    await plan.tick(NOW)
    platform = RecordingPlatform()
    result = await sender(db, platform, batch_size=5).run_once(NOW)
    assert (result.sent, result.failed) == (12, 0)
    assert set(platform.received.values()) == {1} and len(platform.received) == 12
    rows = await deliveries(db)
    assert {row.status for row in rows} == {DeliveryStatus.sent}
    assert all(row.message_ref == f"ref-{row.id}" for row in rows)
    assert all(NOW <= row.sent_at < NOW + timedelta(seconds=5) for row in rows)


async def test_sending_twice_at_the_same_instant_sends_nothing_twice(db: Database) -> None:
    await queue(db, 20)
    platform = RecordingPlatform()
    await sender(db, platform).run_once(NOW)
    again = await sender(db, platform).run_once(NOW)
    assert again.sent == 0
    assert sum(platform.received.values()) == 20


async def test_a_platform_answering_429_and_5xx_loses_nothing_and_waits_as_told(db: Database) -> None:
    await queue(db, 200)
    platform = FlakyPlatform(rate_limited=0.25, server_errors=0.25, retry_after=30)
    send = sender(db, platform, max_attempts=50)
    now = NOW
    for _ in range(2000):  # a tick a minute, as `serve` does
        tried_now = {row.id for row in await deliveries(db) if row.next_attempt_at <= now}
        result = await send.run_once(now)
        async with db.session() as session:
            waiting = (await session.execute(select(Delivery).where(Delivery.status == "pending"))).scalars().all()
        for row in waiting:
            assert row.next_attempt_at > now
            if row.id in tried_now and row.last_error.startswith("429"):
                assert row.next_attempt_at >= now + timedelta(seconds=30)  # Retry-After honoured
        if not waiting:
            break
        now = max(now + timedelta(minutes=1), min(row.next_attempt_at for row in waiting))
    assert len(platform.received) == 200 and set(platform.received.values()) == {1}
    assert sum(platform.refused.values()) > 50
    assert {row.status for row in await deliveries(db)} == {DeliveryStatus.sent}
    assert result.failed == 0


async def test_after_max_attempts_a_message_is_failed_with_the_reason(db: Database) -> None:
    await queue(db, 1)
    send = sender(db, FlakyPlatform(rate_limited=0, server_errors=1.0), max_attempts=3)
    now = NOW
    for _ in range(3):
        await send.run_once(now)
        now += timedelta(hours=1)
    [row] = await deliveries(db)
    assert row.status == DeliveryStatus.failed and row.attempts == 3
    assert row.last_error == "after 3 attempt(s): 503 Service Unavailable"


async def test_an_unreachable_person_is_marked_and_their_other_messages_cancelled(db: Database) -> None:
    person_id = await add_person(db, "gone@example.com")
    await queue(db, 3, person_id=person_id)

    class Deactivated(RecordingPlatform):
        async def deliver(self, message: OutboundMessage):
            raise Unreachable("account_inactive")

    result = await sender(db, Deactivated(), batch_size=1).run_once(NOW)
    assert (result.unreachable, result.sent) == (1, 0)
    assert [row.status for row in await deliveries(db)] == ["unreachable", "cancelled", "cancelled"]
    async with db.session() as session:
        assert (await session.get(Person, person_id)).unreachable_reason == "account_inactive"


async def test_a_message_for_an_unknown_platform_fails_with_a_reason_that_says_so(db: Database) -> None:
    await queue(db, 1, platform="teams")
    await sender(db, RecordingPlatform()).run_once(NOW)
    [row] = await deliveries(db)
    assert row.status == "failed" and "no 'teams' platform is configured" in row.last_error


async def test_a_prompt_answered_before_it_went_out_is_cancelled_not_sent(db: Database) -> None:
    await add_people(db, 2)
    plan = planner(db)
    await plan.tick(utc(2026, 3, 1, 12))
    await plan.tick(NOW)
    async with db.transaction() as session:
        await session.execute(update(CheckIn).where(CheckIn.person_id == 1).values(status=CheckInStatus.answered))
    platform = RecordingPlatform()
    result = await sender(db, platform).run_once(NOW)
    assert (result.sent, result.cancelled) == (1, 1)
    assert list(platform.received) == ["checkin:2:1:2026-W10:prompt"]


async def test_a_tick_started_while_the_previous_one_is_still_sending_sends_nothing_twice(db: Database) -> None:
    await queue(db, 30)
    slow = GatedPlatform()
    first = asyncio.create_task(sender(db, slow).run_once(NOW))
    while slow.waiting < 8:  # the first tick is mid-send (concurrency 8 for this platform)
        await asyncio.sleep(0)
    second = await sender(db, slow).run_once(NOW + timedelta(minutes=1))
    slow.release()
    first_result = await first
    assert second.sent == 0 and first_result.sent == 30
    assert sum(slow.received.values()) == 30


async def test_messages_of_a_process_killed_mid_send_are_sent_by_the_next_tick_after_the_lease(db: Database) -> None:
    await queue(db, 10)
    killed = sender(db, GatedPlatform())
    async with db.transaction() as session:  # claimed, then SIGKILL: nothing releases the rows
        await killed.claim_due(session, NOW, killed.lease_until(NOW, killed.clock()))
    platform = RecordingPlatform()
    assert (await sender(db, platform).run_once(NOW + timedelta(minutes=1))).sent == 0  # lease still held
    later = await sender(db, platform).run_once(NOW + timedelta(minutes=6))
    assert later.reclaimed == 10 and later.sent == 10
    assert sum(platform.received.values()) == 10


class _HangsOnSome(RecordingPlatform):
    """Never answers for the addresses in `silent` (a platform that accepted the connection
    and went quiet); answers everything else at once."""

    def __init__(self, silent: set[str]) -> None:
        super().__init__()
        self.silent = silent

    async def deliver(self, message: OutboundMessage):
        if message.address in self.silent:
            await asyncio.Event().wait()
        return await super().deliver(message)


async def test_a_send_the_platform_never_answers_is_retried_later_and_the_rest_go_out(db: Database) -> None:
    await queue(db, 30)
    platform = _HangsOnSome({"a3", "a17"})
    send = DeliverySender(db, PlatformNotifier({"console": platform}), DeliveryPolicy(concurrency={"console": 4}),
                          send_timeout=0.2)
    result = await asyncio.wait_for(send.run_once(NOW), 10)
    assert (result.sent, result.retried) == (28, 2)
    rows = {row.address: row for row in await deliveries(db)}
    for address in ("a3", "a17"):
        assert rows[address].status == DeliveryStatus.pending
        assert rows[address].last_error == "no answer within 0.2s"
        assert rows[address].next_attempt_at > NOW
    assert {row.status for address, row in rows.items() if address not in ("a3", "a17")} == {DeliveryStatus.sent}


async def test_stopping_the_sender_mid_send_cancels_it_instead_of_recording_a_timeout(db: Database) -> None:
    await queue(db, 3)
    platform = GatedPlatform()
    send = DeliverySender(db, PlatformNotifier({"console": platform}), send_timeout=5.0)
    run = asyncio.create_task(send.run_once(NOW))
    while platform.waiting < 3:
        await asyncio.sleep(0.01)
    run.cancel()
    try:
        await run
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError("the run should have been cancelled")
    rows = await deliveries(db)  # released for the next tick, not counted as a failed attempt
    assert {(row.status, row.attempts, row.last_error, row.claimed_until) for row in rows} == {
        (DeliveryStatus.pending, 0, None, None)}
