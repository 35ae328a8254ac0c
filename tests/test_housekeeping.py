"""Inbound events already processed are forgotten after a week, hourly, by the tick."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from bot.ticker import Ticker
from storage.db import Database
from storage.models import ProcessedEvent
from tests.cadence_fixtures import utc
from tests.orgchart import org_config

NOW = utc(2026, 3, 2, 8)


async def add_events(db: Database, prefix: str, count: int, received_at) -> None:
    async with db.transaction() as session:
        await session.execute(insert(ProcessedEvent.__table__), [
            {"source": "slack", "event_key": f"{prefix}:{n}", "received_at": received_at} for n in range(count)])


async def event_keys(db: Database) -> set[str]:
    async with db.session() as session:
        return set((await session.execute(select(ProcessedEvent.event_key))).scalars())


async def test_processed_events_older_than_a_week_are_pruned_hourly_by_the_tick(any_db_url: str) -> None:
    db = Database(any_db_url)
    try:
        await add_events(db, "old", 2500, NOW - timedelta(days=8))  # more than one DELETE's worth
        await add_events(db, "recent", 3, NOW - timedelta(days=6))
        ticker = Ticker(org_config(), db)
        await ticker.tick(NOW)
        assert await event_keys(db) == {"recent:0", "recent:1", "recent:2"}
        await add_events(db, "late", 2, NOW - timedelta(days=9))
        await ticker.tick(NOW + timedelta(minutes=10))  # within the hour: left for the next pass
        assert len(await event_keys(db)) == 5
        await ticker.tick(NOW + timedelta(hours=1))
        assert await event_keys(db) == {"recent:0", "recent:1", "recent:2"}
    finally:
        await db.dispose()
