"""What `outcomebot status` (and the server's due gauge) reads: a few counting queries.

One set of statements, two ways to run them: `read_facts(session, now)` on the process's
async session (both databases), and `read_sqlite_facts(path, now)` through the standard
library's `sqlite3` for the `status` command on the embedded SQLite file, which so never
imports SQLAlchemy or the SQLModel tables (storage.plain_sqlite). Statements use named
parameters (`:now`), which `sqlite3` binds itself and SQLAlchemy compiles for each database
(`text()`), and name only the columns they read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.plain_sqlite import connect_existing, read_time, sqlite_time

if TYPE_CHECKING:  # pragma: no cover
    from sqlmodel.ext.asyncio.session import AsyncSession

# DeliveryStatus values (storage.models), written out so that this module imports no table.
PENDING, FAILED, UNREACHABLE = "pending", "failed", "unreachable"
STUCK_STATES = (PENDING, FAILED, UNREACHABLE)


class NotReadable(Exception):
    """The database file, or a table `status` reads, is missing or older than this code."""


@dataclass(frozen=True)
class ConflictLine:
    """An identity conflict as `status` lists it (storage.identity_conflicts)."""

    platform: str
    email: str
    claimed_id: str
    tenant_id: str | None
    reason: str
    times: int
    last_seen_at: datetime


@dataclass(frozen=True)
class SourceLine:
    """A pull source's last fetches (storage.api_tables.KeyResultSource) and its key result's key."""

    key: str
    kind: str
    last_value: float | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    next_attempt_at: datetime | None


@dataclass
class StatusFacts:
    due_prompts: int
    due_deliveries: int
    by_status: dict[str, int]
    next_prompt_at: datetime | None
    stuck: list[tuple[int, str, str]] = field(default_factory=list)  # count, delivery status, last error
    unreachable_people: list[tuple[int, str]] = field(default_factory=list)  # count, reason
    conflicts: list[ConflictLine] = field(default_factory=list)  # most recent first
    sources: list[SourceLine] = field(default_factory=list)  # by key result key


_STUCK_IN = ", ".join(f":stuck{n}" for n in range(len(STUCK_STATES)))
STATEMENTS: dict[str, str] = {
    "due_prompts": "SELECT count(*) FROM prompt_schedule WHERE next_prompt_at <= :now",
    "due_deliveries": "SELECT count(*) FROM delivery WHERE status = :pending AND next_attempt_at <= :now",
    "by_status": "SELECT status, count(*) FROM delivery GROUP BY status",
    "next_prompt": "SELECT min(next_prompt_at) FROM prompt_schedule WHERE next_prompt_at > :now",
    "stuck": f"SELECT count(*), status, last_error FROM delivery WHERE status IN ({_STUCK_IN})"
             " AND last_error IS NOT NULL GROUP BY status, last_error",
    "unreachable": "SELECT count(*), unreachable_reason FROM person WHERE active AND unreachable_reason IS NOT NULL"
                   " GROUP BY unreachable_reason",
    "conflicts": "SELECT c.platform, p.email, c.claimed_id, c.tenant_id, c.reason, c.times, c.last_seen_at"
                 " FROM identity_conflict AS c JOIN person AS p ON p.id = c.person_id"
                 " ORDER BY c.last_seen_at DESC, c.id",
    "sources": "SELECT kr.key, s.kind, s.last_value, s.last_success_at, s.last_error, s.last_error_at,"
               " s.next_attempt_at FROM key_result_source AS s JOIN key_result AS kr ON kr.id = s.key_result_id"
               " ORDER BY kr.key",
}


def _parameters(now: Any) -> dict[str, Any]:
    return {"now": now, "pending": PENDING, **{f"stuck{n}": state for n, state in enumerate(STUCK_STATES)}}


def _conflicts(rows: list[Sequence[Any]]) -> list[ConflictLine]:
    return [ConflictLine(platform, email, claimed, tenant, reason, times, read_time(seen))
            for platform, email, claimed, tenant, reason, times, seen in rows]


def _facts(rows: Callable[[str], list[Sequence[Any]]]) -> StatusFacts:
    """The facts from each statement's rows (`rows(name)`)."""
    ((next_at,),) = rows("next_prompt")
    return StatusFacts(
        due_prompts=rows("due_prompts")[0][0],
        due_deliveries=rows("due_deliveries")[0][0],
        by_status={status: count for status, count in rows("by_status")},
        next_prompt_at=read_time(next_at),
        stuck=[(count, state, reason) for count, state, reason in rows("stuck")],
        unreachable_people=[(count, reason) for count, reason in rows("unreachable")],
        conflicts=_conflicts(rows("conflicts")),
        sources=[SourceLine(key, kind, value, read_time(success), error, read_time(error_at), read_time(next_at))
                 for key, kind, value, success, error, error_at, next_at in rows("sources")],
    )


async def read_facts(session: "AsyncSession", now: datetime) -> StatusFacts:
    """The facts, read on `session` (SQLite or PostgreSQL)."""
    from sqlalchemy import bindparam, text

    from storage.driver import Driver
    from storage.models import PromptSchedule

    driver = await Driver.of(session)
    stored_like = PromptSchedule.__table__.c.next_prompt_at.type  # `now` encoded as the time columns store it
    parameters = _parameters(now)
    found = {name: await driver.rows(text(sql).bindparams(bindparam("now", type_=stored_like)) if ":now" in sql
                                     else text(sql), parameters)
             for name, sql in STATEMENTS.items()}
    return _facts(found.__getitem__)


async def read_conflicts(session: "AsyncSession") -> list[ConflictLine]:
    """The identity conflicts alone, most recent first."""
    from storage.driver import Driver

    return _conflicts(await (await Driver.of(session)).rows(STATEMENTS["conflicts"]))


def read_sqlite_facts(path: Path, now: datetime) -> StatusFacts:
    """The facts, read from the SQLite file at `path` with `sqlite3` alone (read-only work).

    A missing file or table raises NotReadable (the caller migrates and asks again)."""
    parameters = _parameters(sqlite_time(now))
    try:
        connection = connect_existing(path)
        try:
            found = {name: connection.execute(text, parameters).fetchall() for name, text in STATEMENTS.items()}
        finally:
            connection.close()
    except (sqlite3.Error, OSError) as exc:
        raise NotReadable(str(exc)) from exc
    return _facts(found.__getitem__)
