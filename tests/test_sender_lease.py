"""A batch that takes longer than its lease keeps it: nothing is reclaimed and sent twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.notifiers import PlatformNotifier
from cadences.sender import DeliverySender
from cadences.settings import DeliveryPolicy
from storage.db import Database
from tests.outbox_fakes import GatedPlatform, RecordingPlatform
from tests.test_sender import NOW, queue

EIGHT_AT_A_TIME = DeliveryPolicy(concurrency={"console": 8})


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


async def test_a_batch_slower_than_its_lease_is_not_resent_by_a_second_sender(db: Database) -> None:
    await queue(db, 30)
    slow, clock = GatedPlatform(), FakeClock()
    first = DeliverySender(db, PlatformNotifier({"console": slow}), EIGHT_AT_A_TIME, lease=timedelta(minutes=5),
                           clock=clock, renew_every=0.001)
    sending = asyncio.create_task(first.run_once(NOW))
    while slow.waiting < 8:  # mid-send: 8 at a time on this platform, the rest queued behind them
        await asyncio.sleep(0)
    clock.seconds += 6 * 60  # six minutes on: past the first lease's nominal expiry
    await first.next_lease_renewal()
    other = RecordingPlatform()
    second = await DeliverySender(db, PlatformNotifier({"console": other}), DeliveryPolicy()).run_once(
        NOW + timedelta(minutes=6))  # another replica's tick, or an overlapping cron `tick`
    slow.release()
    done = await sending
    assert (second.reclaimed, second.sent) == (0, 0) and not other.received
    assert done.sent == 30 and set(slow.received.values()) == {1}


async def test_a_sender_does_not_start_a_message_its_lease_no_longer_covers(db: Database) -> None:
    await queue(db, 12)
    slow, clock = GatedPlatform(), FakeClock()
    renewals_never_come = 10**6
    stale = DeliverySender(db, PlatformNotifier({"console": slow}), EIGHT_AT_A_TIME, lease=timedelta(minutes=5),
                           clock=clock, renew_every=renewals_never_come)  # e.g. the database was away
    sending = asyncio.create_task(stale.run_once(NOW))
    while slow.waiting < 8:
        await asyncio.sleep(0)
    clock.seconds += 6 * 60
    slow.release()
    done = await sending
    assert done.sent == 8 and sum(slow.received.values()) == 8  # the 4 not yet started stay for the lease
    later = RecordingPlatform()
    retry = await DeliverySender(db, PlatformNotifier({"console": later}), DeliveryPolicy()).run_once(
        NOW + timedelta(minutes=6))
    # the 4 went back to pending when their batch ended: sent once, by the next run
    assert retry.sent == 4 and not set(later.received) & set(slow.received)
