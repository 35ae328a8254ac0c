"""Record each inbound platform delivery once (Slack retries events it thinks were missed,
Teams redelivers activities on timeouts).

A key is claimed before the work and released again when the work fails, so a retry of a
failed delivery is processed while a retry of a handled one is dropped. Each platform claims
its keys under its own `source` (and prefixes the keys, as they share one unique column).

Check-in submissions do better: their key travels with the event (`FormSubmitted.once_key`)
and is recorded inside the transaction that stores the answers (storage.repositories.inbound).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from storage.db import Database
from storage.models import utcnow
from storage.repositories.inbound import forget, record_once

log = logging.getLogger(__name__)
T = TypeVar("T")


class ProcessedEvents:
    def __init__(self, db: Database, *, source: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.source = source
        self.clock = clock  # an edge of the one clock (docs/architecture.md): the adapters' receipt time

    async def claim(self, key: str) -> bool:
        """True the first time `key` is seen; False for a duplicate."""
        async with self.db.transaction() as session:
            return await record_once(session, source=self.source, key=key, now=self.clock())

    async def release(self, key: str) -> None:
        async with self.db.transaction() as session:
            await forget(session, key)

    async def once(self, key: str | None, work: Callable[[], Awaitable[T]]) -> T | None:
        """`work()`'s result, or None when `key` was handled before (a platform retry). The key
        is released again if the work fails, so the platform's next retry is processed. A
        delivery without a key (the platform gives none) is always worked on."""
        if key is not None and not await self.claim(key):
            log.info("%s: duplicate delivery dropped", self.source)
            return None
        try:
            return await work()
        except BaseException:
            if key is not None:
                await self.release(key)
            raise
