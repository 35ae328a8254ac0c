"""Values posted to the API are written in groups: one transaction for all the requests that
arrived while the previous group was being written.

On SQLite one writer at a time holds the database, and a transaction costs several hops to
its thread however little it writes; writing each request alone (with a read of its token
before) capped the API near 120 values a second on a busy machine (benchmarks/api.py).
Grouped, one lookup checks every token of the group and the same few statements carry tens of
values. Each request still waits for its own group's commit before it is answered, so an
acknowledged value is stored; a request whose token is unknown, revoked or lacks the scope
writes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from storage.db import Database
from storage.repositories.tokens import Caller, callers_by_hash, hash_secret, last_use_is_stale, record_use
from storage.repositories.values import BatchOutcome, NewValue, record_values

MAX_GROUP = 200


@dataclass(frozen=True, slots=True)
class PostedValue:
    secret: str  # the caller's bearer token
    scope: str  # the scope the endpoint needs
    request_key: str  # the caller's Idempotency-Key
    value: NewValue  # idempotency_key filled in here, per token


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    caller: Caller | None  # None: unknown or revoked token
    allowed: bool = False  # the token has the scope
    result: BatchOutcome | None = None  # set when the value was looked at


class ValueWriter:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock
        self._waiting: list[tuple[PostedValue, asyncio.Future]] = []
        self._writer: asyncio.Task | None = None

    async def write(self, posted: PostedValue) -> WriteOutcome:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((posted, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[:MAX_GROUP], self._waiting[MAX_GROUP:]
            try:
                outcomes = await self._write_group([posted for posted, _ in group])
            except Exception as exc:  # the whole group failed: each request answers with the error
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), outcome in zip(group, outcomes):
                if not future.done():
                    future.set_result(outcome)

    async def _write_group(self, group: list[PostedValue]) -> list[WriteOutcome]:
        now = self.clock()
        hashes = [hash_secret(posted.secret) for posted in group]
        async with self.db.transaction() as session:
            callers = await callers_by_hash(session, set(hashes))
            outcomes: list[WriteOutcome] = []
            accepted: list[tuple[int, NewValue]] = []
            for n, (posted, digest) in enumerate(zip(group, hashes)):
                caller, _ = callers.get(digest, (None, None))
                outcomes.append(WriteOutcome(caller, caller is not None and caller.allows(posted.scope)))
                if outcomes[-1].allowed:
                    key = f"api:{caller.token_id}:{posted.request_key}"  # type: ignore[union-attr]
                    accepted.append((n, replace(posted.value, idempotency_key=key)))
            results = await record_values(session, [value for _, value in accepted], now) if accepted else []
            for (n, _), result in zip(accepted, results):
                outcomes[n] = replace(outcomes[n], result=result)
            for caller, last_used in callers.values():
                if last_use_is_stale(last_used, now):
                    await record_use(session, caller.token_id, now)
        return outcomes
