"""Record each inbound platform delivery once (Slack retries events it thinks were missed,
Teams redelivers activities on timeouts).

A key is claimed before the work and released again when the work fails, so a retry of a
failed delivery is processed while a retry of a handled one is dropped. Each platform claims
its keys under its own `source` (and prefixes the keys, as they share one unique column).
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.models import ProcessedEvent, utcnow


class ProcessedEvents:
    def __init__(self, db: Database, *, source: str) -> None:
        self.db = db
        self.source = source

    async def claim(self, key: str) -> bool:
        """True the first time `key` is seen; False for a duplicate."""
        insert = pg_insert if not self.db.is_sqlite else sqlite_insert
        statement = (
            insert(ProcessedEvent)
            .values(source=self.source, event_key=key[:200], received_at=utcnow())
            .on_conflict_do_nothing(index_elements=["event_key"])
        )
        async with self.db.transaction() as session:
            result = await session.execute(statement)
        return result.rowcount == 1

    async def release(self, key: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_key == key[:200]))
