"""A fan-out interrupted midway records what it sent: nothing delivered is sent again later,
and prompts written a while before they are sent still go out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.notifiers import PlatformNotifier
from cadences.planner import Planner
from cadences.sender import DeliverySender
from cadences.settings import DeliveryPolicy
from storage.db import Database
from storage.models import DeliveryStatus
from tests.cadence_fixtures import add_people, checkins, deliveries, planner, schedules, utc
from tests.outbox_fakes import GatedPlatform, RecordingPlatform
from tests.test_sender import NOW, queue


class _SlowAfter(RecordingPlatform):
    """Answers the first `quick` sends at once, then holds every send until released."""

    def __init__(self, quick: int) -> None:
        super().__init__()
        self.quick, self.gate, self.held = quick, asyncio.Event(), 0

    async def deliver(self, message):
        if sum(self.received.values()) >= self.quick:
            self.held += 1
            await self.gate.wait()
        return await super().deliver(message)


async def test_when_planning_the_next_batch_fails_the_batch_being_sent_still_goes_out_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_people(db, 30)
    platform = _SlowAfter(quick=5)
    sender = DeliverySender(db, PlatformNotifier({"console": platform}), DeliveryPolicy(concurrency={"console": 4}))
    plan = planner(db, batch_size=10, sender=sender)
    await plan.tick(utc(2026, 3, 1, 12))  # schedules for Monday 09:00
    calls = 0
    real = Planner._prompt_due_batch

    async def second_batch_fails(self, now, started):
        nonlocal calls
        calls += 1
        if calls == 2:
            while platform.held < 4:  # the first batch is mid-send
                await asyncio.sleep(0.001)
            platform.gate.set()
            raise RuntimeError("the database went away")
        return await real(self, now, started)

    monkeypatch.setattr(Planner, "_prompt_due_batch", second_batch_fails)
    with pytest.raises(RuntimeError, match="went away"):
        await plan.tick(NOW)
    rows = await deliveries(db)
    assert len(rows) == 10 and {row.status for row in rows} == {DeliveryStatus.sent}
    assert sum(platform.received.values()) == 10 and set(platform.received.values()) == {1}


async def test_a_send_stopped_midway_records_what_it_already_delivered(db: Database) -> None:
    await queue(db, 20)
    platform = _SlowAfter(quick=7)
    sender = DeliverySender(db, PlatformNotifier({"console": platform}), DeliveryPolicy(concurrency={"console": 2}))
    run = asyncio.create_task(sender.run_once(NOW))
    while platform.held < 2:
        await asyncio.sleep(0.001)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    rows = await deliveries(db)
    sent = [row for row in rows if row.status == DeliveryStatus.sent]
    assert len(sent) == 7 == sum(platform.received.values())
    # the rest are released at once, not left leased: the next run sends them without waiting
    assert {(row.status, row.claimed_until) for row in rows if row not in sent} == {(DeliveryStatus.pending, None)}
    later = RecordingPlatform()
    next_run = await DeliverySender(db, PlatformNotifier({"console": later})).run_once(NOW)
    assert next_run.sent == 13 and not set(later.received) & set(platform.received)


async def test_prompts_handed_over_late_in_their_lease_are_renewed_and_sent(db: Database) -> None:
    await add_people(db, 6)
    platform = GatedPlatform()
    platform.release()
    sender = DeliverySender(db, PlatformNotifier({"console": platform}), lease=timedelta(minutes=5))
    plan = planner(db, sender=sender)
    await plan.tick(utc(2026, 3, 1, 12))
    # Planned and written claimed, then handed over only after most of their lease went by
    # (the batch before them was slow): they are sent, not skipped for the lease to run out.
    real = sender.send_claimed

    async def late(messages, *, now, started, lease_until):
        await real(messages, now=now, started=started - 4 * 60, lease_until=lease_until)

    sender.send_claimed = late  # type: ignore[method-assign]
    result = await plan.tick(NOW)
    assert result.prompted == 6 and sum(platform.received.values()) == 6
    assert {row.status for row in await deliveries(db)} == {DeliveryStatus.sent}


async def test_a_batch_whose_check_ins_cannot_be_written_leaves_no_prompt_and_no_moved_schedule(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schedules' update is already under way when the check-ins fail: it is rolled back too,
    and the next tick prompts everyone once."""
    import cadences.checkin_messages as cm

    await add_people(any_db, 6)
    platform = RecordingPlatform()
    sender = DeliverySender(any_db, PlatformNotifier({"console": platform}))
    plan = planner(any_db, sender=sender)
    await plan.tick(utc(2026, 3, 1, 12))
    before = [(row.id, row.period, row.next_prompt_at) for row in await schedules(any_db)]
    real = cm.insert_prompted

    async def fails(bulk, prompts, now):
        await asyncio.sleep(0.01)  # the schedules' statement runs meanwhile
        raise RuntimeError("disk full")

    monkeypatch.setattr(cm, "insert_prompted", fails)
    with pytest.raises(RuntimeError, match="disk full"):
        await plan.tick(NOW)
    assert [(row.id, row.period, row.next_prompt_at) for row in await schedules(any_db)] == before
    assert await checkins(any_db) == [] and await deliveries(any_db) == [] and not platform.received
    monkeypatch.setattr(cm, "insert_prompted", real)
    result = await plan.tick(NOW)
    assert result.prompted == 6 and sum(platform.received.values()) == 6


class _CountsRecorded(RecordingPlatform):
    """Before each send, looks up how many prompts the database already records as sent."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.recorded_before: list[int] = []

    async def deliver(self, message):
        rows = await deliveries(self.db)
        self.recorded_before.append(sum(1 for row in rows if row.status == DeliveryStatus.sent))
        return await super().deliver(message)


async def test_a_batch_of_prompts_is_sent_only_once_the_batch_before_is_recorded_so_a_crash_repeats_at_most_one_batch(
    db: Database,
) -> None:
    await add_people(db, 12)
    platform = _CountsRecorded(db)
    sender = DeliverySender(db, PlatformNotifier({"console": platform}), DeliveryPolicy(concurrency={"console": 1}))
    plan = planner(db, batch_size=4, sender=sender)
    await plan.tick(utc(2026, 3, 1, 12))  # schedules for Monday 09:00
    await plan.tick(NOW)
    assert sum(platform.received.values()) == 12
    # The n-th send (0-based) belongs to batch n // 4: every send of the batches before it is
    # already written as sent, so a process killed now could repeat this batch's sends only.
    assert [recorded >= (n // 4) * 4 for n, recorded in enumerate(platform.recorded_before)] == [True] * 12
    assert all(row.status == DeliveryStatus.sent for row in await deliveries(db))
