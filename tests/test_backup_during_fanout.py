"""A backup taken while a fan-out of 10,000 prompts is being sent restores to a database where every
prompt sent before the backup is still sent, and the next tick sends none of them again."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.notifiers import PlatformNotifier
from cadences.sender import DeliverySender
from cadences.settings import DeliveryPolicy
from storage import migrate
from storage.backup import snapshot_sqlite
from storage.db import Database
from storage.restore import restore_file
from tests.cadence_fixtures import add_people, planner, utc
from tests.outbox_fakes import RecordingPlatform

PEOPLE = 10_000
NOW = utc(2026, 3, 2, 8)  # Monday 09:00 in Berlin: everyone's weekly prompt is due


class BacksUpMidway(RecordingPlatform):
    """Delivers everything; after `after` sends, takes a backup while the other sends go on."""

    def __init__(self, source: Path, backup: Path, after: int) -> None:
        super().__init__()
        self.source, self.backup, self.after = source, backup, after
        self.taken: asyncio.Task | None = None

    async def deliver(self, message):
        sent = await super().deliver(message)
        if self.taken is None and sum(self.received.values()) >= self.after:
            self.taken = asyncio.ensure_future(asyncio.to_thread(snapshot_sqlite, self.source, self.backup))
        return sent


def sent_keys(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        return {key for (key,) in connection.execute("SELECT idempotency_key FROM delivery WHERE status = 'sent'")}


async def test_a_backup_taken_mid_fan_out_restores_without_losing_or_repeating_a_prompt(tmp_path: Path) -> None:
    live_file, backup_file, restored_file = tmp_path / "live.db", tmp_path / "backup.db", tmp_path / "restored.db"
    migrate.upgrade(f"sqlite:///{live_file}")
    live = Database(f"sqlite:///{live_file}")
    try:
        await add_people(live, PEOPLE)
        platform = BacksUpMidway(live_file, backup_file, after=PEOPLE // 3)
        sender = DeliverySender(live, PlatformNotifier({"console": platform}), DeliveryPolicy(concurrency={"console": 32}))
        plan = planner(live, batch_size=1000, sender=sender)
        await plan.tick(utc(2026, 3, 1, 12))  # schedules everyone for Monday
        await plan.tick(NOW)
        await sender.run_once(NOW)
        assert platform.taken is not None
        await platform.taken
    finally:
        await live.dispose()
    assert sum(platform.received.values()) == PEOPLE and set(platform.received.values()) == {1}
    in_backup = sent_keys(backup_file)
    assert 0 < len(in_backup) < PEOPLE  # the backup caught the fan-out midway

    migrate.upgrade(f"sqlite:///{restored_file}")
    await restore_file(f"sqlite:///{restored_file}", backup_file)
    assert sent_keys(restored_file) == in_backup

    restored = Database(f"sqlite:///{restored_file}")
    try:
        again = RecordingPlatform()
        sender = DeliverySender(restored, PlatformNotifier({"console": again}), DeliveryPolicy(concurrency={"console": 32}))
        await planner(restored, batch_size=1000, sender=sender).tick(NOW)
        await sender.run_once(NOW)
    finally:
        await restored.dispose()
    assert not set(again.received) & in_backup  # nothing the backup knew as sent goes out again
    assert set(again.received.values()) <= {1}
    assert sent_keys(restored_file) >= in_backup
