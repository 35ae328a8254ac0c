"""Fetch the due pull sources side by side and record what came back.

One failing source never stops the others: each fetch is awaited on its own, and each result
is written in its own transaction. A value the key result cannot take (storage's
`value_problem`) is refused and reported like any other failure, not stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import aiohttp

from cadences.sources.fetchers import FETCHERS, FetchError
from cadences.sources.report import source_lines
from cadences.sources.schedule import LEASE, next_after_failure, next_after_success
from storage.db import Database
from storage.models import KeyResult
from storage.repositories.sources import DueSource, all_sources, claim_due_sources, record_failure, record_success
from storage.repositories.values import record_value, value_problem
from storage.status_facts import SourceLine

log = logging.getLogger(__name__)
FETCH_TIMEOUT_SECONDS = 30


@dataclass(frozen=True, slots=True)
class SourceResult:
    key: str  # the key result's key
    kind: str
    value: float | None
    error: str | None = None
    retry_after: float | None = None

    def line(self) -> str:
        outcome = f"{self.value:g}" if self.error is None else f"error: {self.error}"
        return f"{self.key} ({self.kind}): {outcome}"


class SourceRunner:
    def __init__(self, db: Database, env: Mapping[str, str], *, timeout_seconds: float = FETCH_TIMEOUT_SECONDS) -> None:
        self.db, self.env, self.timeout = db, env, timeout_seconds

    async def run_due(self, now: datetime) -> list[SourceResult]:
        """Claim what is due at `now`, fetch it, store values and record successes and errors."""
        async with self.db.transaction() as session:
            due = await claim_due_sources(session, now, LEASE)
        if not due:
            return []
        results = await self._fetch_all(due, now)
        for item, result in zip(due, results):
            await self._record(item, result, now)
        return results

    async def check_all(self, now: datetime) -> list[SourceResult]:
        """Fetch every source once and say what each gave, storing nothing (`sources check`)."""
        async with self.db.session() as session:
            sources = await all_sources(session)
        return await self._fetch_all(sources, now)

    async def _fetch_all(self, items: list[DueSource], now: datetime) -> list[SourceResult]:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            return list(await asyncio.gather(*(self._fetch(item, http, now) for item in items)))

    async def _fetch(self, item: DueSource, http: aiohttp.ClientSession, now: datetime) -> SourceResult:
        kr, source = item.key_result, item.source
        try:
            value = await asyncio.wait_for(FETCHERS[source.kind](source.spec, self.env, http, now), self.timeout)
        except FetchError as exc:
            return SourceResult(kr.key, source.kind, None, str(exc), exc.retry_after)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return SourceResult(kr.key, source.kind, None, f"could not reach it ({type(exc).__name__})")
        except Exception as exc:  # a bug of ours must not stop the other sources
            log.exception("pull source of %s failed unexpectedly", kr.key)
            return SourceResult(kr.key, source.kind, None, f"unexpected error ({type(exc).__name__})")
        problem = value_problem(kr, value)
        if problem:
            return SourceResult(kr.key, source.kind, value, f"value refused: {problem}")
        return SourceResult(kr.key, source.kind, value)

    async def _record(self, item: DueSource, result: SourceResult, now: datetime) -> None:
        source_id, every = item.source.id, item.source.every_seconds
        async with self.db.transaction() as session:
            kr = await session.get(KeyResult, item.key_result.id)  # as it is now, not as claimed
            if result.error is None and result.value is not None and kr is not None:
                await record_value(session, kr, value=result.value, at=now, source=item.source.kind,
                                   idempotency_key=f"source:{source_id}:{now.isoformat()}", now=now)
                await record_success(session, source_id, result.value, now, next_after_success(now, every))  # type: ignore[arg-type]
            else:
                log.warning("pull source of %s: %s", result.key, result.error)
                next_at = next_after_failure(now, item.source.failures + 1, every, result.retry_after)
                await record_failure(session, source_id, result.error or "no value", now, next_at)  # type: ignore[arg-type]


def status_lines(sources: list[DueSource]) -> list[str]:
    """For `outcomebot status`: each source's last success and last error (cadences.sources.report)."""
    return source_lines([SourceLine(item.key_result.key, item.source.kind, item.source.last_value,
                                    item.source.last_success_at, item.source.last_error, item.source.last_error_at,
                                    item.source.next_attempt_at) for item in sources])
