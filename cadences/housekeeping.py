"""Pruning what only needs to be kept for a while: inbound events already processed.

ProcessedEvent rows exist so a platform's retry of an event (Slack retries for minutes, Bot
Framework for less) is recorded once; after a week they are dead weight. The tick prunes
them hourly, `batch` rows per DELETE so no statement holds the write lock for long. Rows are
taken oldest id first and only from the head of the table, so a pass costs at most a batch
of index reads even when nothing is old enough (no index on received_at needed).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import Database
from storage.repositories.outbox_rows import delete_processed_events_before

KEEP_PROCESSED_EVENTS = timedelta(days=7)
PRUNE_BATCH = 1000
MAX_BATCHES_PER_PASS = 50  # a backlog is worked off over a few passes


async def prune_processed_events(
    db: Database, now: datetime, *, keep: timedelta = KEEP_PROCESSED_EVENTS, batch: int = PRUNE_BATCH
) -> int:
    """Delete processed-event records older than `keep`; returns how many went."""
    pruned = 0
    for _ in range(MAX_BATCHES_PER_PASS):
        async with db.transaction() as session:
            gone = await delete_processed_events_before(session, now - keep, limit=batch)
        pruned += gone
        if gone < batch:
            break
    return pruned
