"""Values posted to the API are written in groups: one transaction for all the requests that
arrived while the previous group was being written.

On SQLite one writer at a time holds the database, and a transaction costs several hops to
its thread however little it writes; writing each request alone capped the API near a hundred
values a second on a busy machine (benchmarks/api.py). Grouped, the same statements carry
tens of values. Each request still waits for its own group's commit before it is answered,
so an acknowledged value is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from storage.db import Database
from storage.repositories.tokens import record_use
from storage.repositories.values import BatchOutcome, NewValue, record_values

MAX_GROUP = 200


class ValueWriter:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock
        self._waiting: list[tuple[NewValue, int | None, asyncio.Future]] = []
        self._writer: asyncio.Task | None = None

    async def write(self, value: NewValue, *, note_use_of: int | None = None) -> BatchOutcome:
        """Record `value` with the next group; `note_use_of`: a token id whose last use to record."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((value, note_use_of, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[:MAX_GROUP], self._waiting[MAX_GROUP:]
            try:
                now = self.clock()
                async with self.db.transaction() as session:
                    outcomes = await record_values(session, [value for value, _, _ in group], now)
                    for token_id in {token for _, token, _ in group if token is not None}:
                        await record_use(session, token_id, now)
            except Exception as exc:  # the whole group failed: each request answers with the error
                for _, _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), outcome in zip(group, outcomes):
                if not future.done():
                    future.set_result(outcome)
