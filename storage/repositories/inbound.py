"""Inbound platform deliveries recorded once (`ProcessedEvent`): Slack retries events it
thinks were missed, Teams redelivers activities on timeouts.

`record_once` belongs inside the transaction that stores what the delivery brought, so the
record and the data commit (or roll back) together: a retry of a stored delivery finds its
record, a retry of a failed one does not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, text
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.batch import Batch
from storage.driver import Driver
from storage.models import ProcessedEvent

KEY_LENGTH = 200  # ProcessedEvent.event_key
_RECORD_ONCE = text(
    "INSERT INTO processed_event (source, event_key, received_at) VALUES (:source, :key, :now)"
    " ON CONFLICT (event_key) DO NOTHING RETURNING id"
).bindparams(bindparam("now", type_=ProcessedEvent.__table__.c.received_at.type))


async def record_once(session: AsyncSession, *, source: str, key: str, now: datetime) -> bool:
    """True the first time `key` is recorded; False when it was recorded before (a retry).
    Concurrent copies: the second waits for the first's transaction (the unique key) and
    then sees it. One statement."""
    driver = await Driver.of(session)
    batch = driver.batch()
    recorded = record_once_in(batch, source=source, key=key, now=now)
    await batch.run()
    return bool(batch.rows(recorded))


def record_once_in(batch: Batch, *, source: str, key: str, now: datetime) -> int:
    """`record_once` as a statement of `batch`: after the run, `batch.rows(index)` is empty
    when the key had been recorded before."""
    return batch.add(
        _RECORD_ONCE,
        {"source": source, "key": key[:KEY_LENGTH], "now": now},
    )


async def forget(session: AsyncSession, key: str) -> None:
    await session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_key == key[:KEY_LENGTH]))
