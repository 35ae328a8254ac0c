"""`outcomebot status`: what is due and how the outbox stands, read with a few counting queries.

Kept apart from the scheduler (bot.ticker) so that `status` imports only what it shows: the
statements are storage.status_facts', and on the embedded SQLite file the command reads them
with `sqlite3` alone, without SQLAlchemy or the SQLModel tables (`read_status_at`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.identity_status import conflict_lines
from cadences.sources.report import source_lines
from storage.plain_sqlite import plain_sqlite_file
from storage.status_facts import (
    FAILED,
    PENDING,
    UNREACHABLE,
    ConflictLine,
    NotReadable,
    SourceLine,
    StatusFacts,
    read_facts,
    read_sqlite_facts,
)

if TYPE_CHECKING:  # pragma: no cover
    from storage.db import Database

_STUCK_STATES = {PENDING: "waiting", FAILED: "failed", UNREACHABLE: "unreachable"}


@dataclass
class Status:
    due_prompts: int
    due_deliveries: int
    by_status: dict[str, int]
    next_prompt_at: datetime | None
    # Messages that did not go out, by what happened and why (the sender's last error), most first.
    stuck: list[tuple[int, str, str]] = field(default_factory=list)
    unreachable_people: list[tuple[int, str]] = field(default_factory=list)  # count, reason
    conflicts: list[ConflictLine] = field(default_factory=list)
    sources: list[SourceLine] = field(default_factory=list)

    @classmethod
    def of(cls, facts: StatusFacts) -> "Status":
        return cls(
            facts.due_prompts, facts.due_deliveries, facts.by_status, facts.next_prompt_at,
            stuck=sorted(((count, _STUCK_STATES[state], reason) for count, state, reason in facts.stuck),
                         key=lambda r: (-r[0], r[2])),
            unreachable_people=sorted(facts.unreachable_people, key=lambda r: (-r[0], r[1])),
            conflicts=facts.conflicts, sources=facts.sources,
        )

    def lines(self) -> list[str]:
        """The outbox: due work, counts by state, the next prompt, why messages are stuck."""
        counts = [f"{name} {self.by_status.get(name, 0)}" for name in ("sent", "failed", "unreachable", "pending", "sending")]
        upcoming = self.next_prompt_at.isoformat() if self.next_prompt_at else "none scheduled"
        lines = [f"due prompts {self.due_prompts}", f"due deliveries {self.due_deliveries}", *counts,
                 f"next prompt at {upcoming}"]
        if self.stuck:
            lines.append("why messages are not going out:")
            lines += [f"  {count} {state}: {reason}" for count, state, reason in self.stuck]
        if self.unreachable_people:
            lines.append("people the bot cannot reach:")
            lines += [f"  {count}: {reason}" for count, reason in self.unreachable_people]
        return lines

    def report(self) -> list[str]:
        """Everything `outcomebot status` prints: the outbox, identity conflicts, pull sources."""
        return self.lines() + conflict_lines(self.conflicts) + source_lines(self.sources)


async def read_status(db: "Database", now: datetime) -> Status:
    """The status, read through the process's database (the server's gauges, tests)."""
    async with db.session() as session:
        return Status.of(await read_facts(session, now))


class UnusableURL(ValueError):
    """No database driver can open this URL."""


def read_status_at(database_url: str, now: datetime) -> Status:
    """For the `status` command: the status of the database at `database_url`, read with
    `sqlite3` alone when it is a SQLite file, else through storage.db (both run the same
    statements). Raises NotReadable when the database, a table or its server is missing (the
    command then migrates and asks again) and UnusableURL."""
    path = plain_sqlite_file(database_url)
    if path is not None:
        return Status.of(read_sqlite_facts(path, now))
    import asyncio

    from sqlalchemy.exc import ArgumentError, DBAPIError

    from storage.db import Database

    try:
        db = Database(database_url)
    except (ValueError, ArgumentError, ImportError) as exc:
        raise UnusableURL(str(exc)) from exc

    async def read() -> Status:
        try:
            return await read_status(db, now)
        finally:
            await db.dispose()

    try:
        return asyncio.run(read())
    except (DBAPIError, OSError) as exc:
        raise NotReadable(str(exc)) from exc
