"""Inbound platform deliveries recorded once (`ProcessedEvent`): Slack retries events it
thinks were missed, Teams redelivers activities on timeouts.

`record_once` belongs inside the transaction that stores what the delivery brought, so the
record and the data commit (or roll back) together: a retry of a stored delivery finds its
record, a retry of a failed one does not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ProcessedEvent, utcnow

KEY_LENGTH = 200  # ProcessedEvent.event_key
_TABLE = ProcessedEvent.__table__


def _statements():
    built = {}
    for dialect, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert)):
        built[dialect] = insert(_TABLE).on_conflict_do_nothing(index_elements=["event_key"])
    return built


_RECORD = _statements()  # built once: a submission pays only for executing it


async def record_once(session: AsyncSession, *, source: str, key: str, now: datetime | None = None) -> bool:
    """True the first time `key` is recorded; False when it was recorded before (a retry).
    Concurrent copies: the second waits for the first's transaction (the unique key) and
    then sees it."""
    result = await session.execute(
        _RECORD[session.get_bind().dialect.name],
        {"source": source, "event_key": key[:KEY_LENGTH], "received_at": now or utcnow()},
    )
    return result.rowcount == 1


async def forget(session: AsyncSession, key: str) -> None:
    await session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_key == key[:KEY_LENGTH]))
