"""Batched reads for digests and nudges: a fixed number of queries per batch of managers.

Every query filters by `IN (the batch's reports)` and a time window, so the number of queries
per digest does not grow with the number of managers, and the rows read do not grow with the
length of the history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Blocker,
    BlockerStatus,
    CheckIn,
    CheckInStatus,
    Delivery,
    KeyResult,
    KRUpdate,
    LeavePeriod,
    Nudge,
    Objective,
    Outcome,
    Person,
    Win,
)

# How far back the rules look: enough for three weekly check-ins with gaps and holidays.
HISTORY_WINDOW = timedelta(weeks=8)
NUDGE_MEMORY = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class OrgPerson:
    id: int
    name: str
    email: str
    timezone: str
    manager_id: int | None
    team_id: int | None
    is_admin: bool
    created_at: datetime
    slack_user_id: str | None
    teams_conversation_ref: dict[str, Any] | None
    country: str | None = None  # public holidays: digests move off them like prompts


@dataclass
class Org:
    """Everyone active, and who reports to whom: one query, shared by every digest of a run."""

    people: dict[int, OrgPerson]
    reports_of: dict[int, list[int]]

    def reports(self, manager_id: int) -> list[OrgPerson]:
        return [self.people[i] for i in self.reports_of.get(manager_id, ())]

    def managers(self) -> list[OrgPerson]:
        return [self.people[i] for i in sorted(self.reports_of) if i in self.people]

    def organisation_below_reports(self, manager_id: int) -> list[int]:
        """Everyone under the manager's direct reports (the skip levels and deeper)."""
        found: list[int] = []
        stack = [r for d in self.reports_of.get(manager_id, ()) for r in self.reports_of.get(d, ())]
        while stack:
            person = stack.pop()
            found.append(person)
            stack.extend(self.reports_of.get(person, ()))
        return found


async def load_org(session: AsyncSession) -> Org:
    rows = await session.exec(
        select(
            Person.id, Person.name, Person.email, Person.timezone, Person.manager_id, Person.team_id,
            Person.is_admin, Person.created_at, Person.slack_user_id, Person.teams_conversation_ref, Person.country,
        ).where(Person.active)
    )
    people = {row[0]: OrgPerson(*row) for row in rows}
    reports_of: dict[int, list[int]] = defaultdict(list)
    for person in sorted(people.values(), key=lambda p: (p.name.casefold(), p.id)):
        if person.manager_id is not None and person.manager_id in people:
            reports_of[person.manager_id].append(person.id)
    return Org(people, dict(reports_of))


@dataclass(frozen=True, slots=True)
class KRMeta:
    id: int
    title: str
    unit: str
    owner_id: int
    objective_id: int
    outcome_id: int | None
    outcome_title: str | None
    baseline: float
    target: float
    increase: bool
    confidence: int | None


@dataclass(frozen=True, slots=True)
class CheckInRow:
    id: int
    person_id: int
    period: str
    status: str
    prompted_at: datetime | None
    answered_at: datetime | None
    skip_reason: str | None = None
    period_ends_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class UpdateRow:
    checkin_id: int
    key_result_id: int
    value: float
    confidence: int


@dataclass(frozen=True, slots=True)
class BlockerRow:
    id: int
    person_id: int
    checkin_id: int | None
    key_result_id: int | None
    text: str
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WinRow:
    id: int
    person_id: int
    key_result_id: int | None
    text: str
    status: str
    created_at: datetime


@dataclass
class BatchFacts:
    """What a batch of digests needs, read with a fixed number of queries."""

    checkins: list[CheckInRow] = field(default_factory=list)
    updates: list[UpdateRow] = field(default_factory=list)
    key_results: dict[int, KRMeta] = field(default_factory=dict)
    blockers: list[BlockerRow] = field(default_factory=list)
    wins: list[WinRow] = field(default_factory=list)
    last_answered: dict[int, datetime] = field(default_factory=dict)
    asked: set[int] = field(default_factory=set)  # people who have ever been prompted
    leave: dict[int, list[tuple[date, date]]] = field(default_factory=dict)
    past_nudges: list[Nudge] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_person: dict[str, dict[int, list[Any]]] = {}

    def of(self, kind: str, person_id: int) -> list[Any]:
        """Rows of one kind ("checkins", "blockers", "wins", "key_results") for one person."""
        if kind not in self._by_person:
            rows = self.key_results.values() if kind == "key_results" else getattr(self, kind)
            grouped: dict[int, list[Any]] = defaultdict(list)
            for row in rows:
                grouped[row.owner_id if kind == "key_results" else row.person_id].append(row)
            self._by_person[kind] = grouped
        return self._by_person[kind].get(person_id, [])


_KR_COLUMNS = (
    KeyResult.id, KeyResult.title, KeyResult.unit, KeyResult.owner_id, KeyResult.objective_id,
    Objective.outcome_id, Outcome.title, KeyResult.baseline, KeyResult.target, KeyResult.direction,
    KeyResult.confidence,
)


def _kr_meta(row: Sequence[Any]) -> KRMeta:
    *head, direction, confidence = row
    return KRMeta(*head, direction == "increase", confidence)


async def load_key_results(session: AsyncSession, *condition: Any) -> dict[int, KRMeta]:
    """Key results matching `condition` (e.g. `KeyResult.owner_id.in_(ids)`), with their outcome."""
    statement = (
        select(*_KR_COLUMNS)
        .join(Objective, Objective.id == KeyResult.objective_id)
        .outerjoin(Outcome, Outcome.id == Objective.outcome_id)
        .where(*condition)
    )
    return {row[0]: _kr_meta(row) for row in await session.exec(statement)}


async def load_batch(
    session: AsyncSession,
    *,
    report_ids: Sequence[int],
    manager_ids: Sequence[int],
    period_start: datetime,
    now: datetime,
) -> BatchFacts:
    """Everything the digests of these managers (with these direct reports) need."""
    facts = BatchFacts()
    if not report_ids:
        return facts
    reports = list(report_ids)
    history_start = now - HISTORY_WINDOW

    rows = await session.exec(
        select(CheckIn.id, CheckIn.person_id, CheckIn.period, CheckIn.status, CheckIn.prompted_at, CheckIn.answered_at,
               CheckIn.skip_reason, CheckIn.period_ends_at)
        .where(CheckIn.person_id.in_(reports))
        .where(or_(CheckIn.answered_at >= history_start, CheckIn.prompted_at >= period_start,
                   (CheckIn.status == CheckInStatus.skipped.value) & (CheckIn.period_ends_at >= period_start)))
    )
    facts.checkins = [CheckInRow(*row) for row in rows]

    rows = await session.exec(
        select(KRUpdate.checkin_id, KRUpdate.key_result_id, KRUpdate.value, KRUpdate.confidence)
        .join(CheckIn, CheckIn.id == KRUpdate.checkin_id)
        .where(CheckIn.person_id.in_(reports), CheckIn.answered_at >= history_start)
    )
    facts.updates = [UpdateRow(*row) for row in rows]

    # Their own key results, and the ones their open blockers name (a dependency owned elsewhere).
    blocked_krs = select(Blocker.key_result_id).where(
        Blocker.person_id.in_(reports), Blocker.status != BlockerStatus.resolved.value, Blocker.key_result_id.is_not(None)
    )
    facts.key_results = await load_key_results(
        session, or_(KeyResult.owner_id.in_(reports), KeyResult.id.in_(blocked_krs.scalar_subquery()))
    )

    rows = await session.exec(
        select(Blocker.id, Blocker.person_id, Blocker.checkin_id, Blocker.key_result_id, Blocker.text,
               Blocker.status, Blocker.created_at)
        .where(Blocker.person_id.in_(reports))
        .where(or_(Blocker.status != BlockerStatus.resolved.value, Blocker.created_at >= history_start))
    )
    facts.blockers = [BlockerRow(*row) for row in rows]

    rows = await session.exec(
        select(Win.id, Win.person_id, Win.key_result_id, Win.text, Win.status, Win.created_at)
        .where(Win.person_id.in_(reports), Win.created_at >= period_start)
    )
    facts.wins = [WinRow(*row) for row in rows]

    rows = await session.exec(
        select(CheckIn.person_id, func.max(CheckIn.answered_at), func.max(CheckIn.prompted_at))
        .where(CheckIn.person_id.in_(reports))
        .group_by(CheckIn.person_id)
    )
    for person, answered, prompted in rows:
        if answered is not None:
            facts.last_answered[person] = answered
        if answered is not None or prompted is not None:
            facts.asked.add(person)

    rows = await session.exec(
        select(LeavePeriod.person_id, LeavePeriod.starts_on, LeavePeriod.ends_on)
        .where(LeavePeriod.person_id.in_(reports), LeavePeriod.ends_on >= period_start.date())
    )
    for person, starts, ends in rows:
        facts.leave.setdefault(person, []).append((starts, ends))

    facts.past_nudges = list(
        await session.exec(
            select(Nudge).where(
                or_(
                    Nudge.report_id.in_(reports) & (Nudge.created_at >= now - NUDGE_MEMORY),
                    Nudge.manager_id.in_(list(manager_ids)) & (Nudge.sent_at >= now - timedelta(days=7)),
                )
            )
        )
    )
    return facts


async def load_old_open_blockers(session: AsyncSession, *, older_than: datetime) -> list[BlockerRow]:
    """Unresolved blockers raised before a date, across the organisation (for roll-ups)."""
    rows = await session.exec(
        select(Blocker.id, Blocker.person_id, Blocker.checkin_id, Blocker.key_result_id, Blocker.text,
               Blocker.status, Blocker.created_at)
        .where(Blocker.status != BlockerStatus.resolved.value, Blocker.created_at < older_than)
    )
    return [BlockerRow(*row) for row in rows]


async def outcome_key_result_rows(session: AsyncSession, outcome_ids: Sequence[int], *, since: datetime) -> list:
    """Every key result of these outcomes with its last two values answered since `since`, one row
    a value (or one row without a value): (key result id, objective id, outcome id, baseline,
    target, direction, check-in id, period, answered_at, value, confidence). One query: a
    window function keeps two updates per key result."""
    ids = list(outcome_ids)
    ranked = (
        select(
            KRUpdate.key_result_id.label("key_result_id"), KRUpdate.value.label("value"),
            KRUpdate.confidence.label("confidence"), CheckIn.id.label("checkin_id"),
            CheckIn.period.label("period"), CheckIn.answered_at.label("answered_at"),
            func.row_number().over(
                partition_by=KRUpdate.key_result_id, order_by=(CheckIn.answered_at.desc(), CheckIn.id.desc())
            ).label("recent"),
        )
        .join(CheckIn, CheckIn.id == KRUpdate.checkin_id)
        .join(KeyResult, KeyResult.id == KRUpdate.key_result_id)
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(Objective.outcome_id.in_(ids), CheckIn.answered_at >= since)
        .subquery()
    )
    return list(await session.exec(
        select(
            KeyResult.id, KeyResult.objective_id, Objective.outcome_id, KeyResult.baseline, KeyResult.target,
            KeyResult.direction, ranked.c.checkin_id, ranked.c.period, ranked.c.answered_at, ranked.c.value,
            ranked.c.confidence,
        )
        .join(Objective, Objective.id == KeyResult.objective_id)
        .outerjoin(ranked, (ranked.c.key_result_id == KeyResult.id) & (ranked.c.recent <= 2))
        .where(Objective.outcome_id.in_(ids))
    ))


async def load_key_results_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, KRMeta]:
    return await load_key_results(session, KeyResult.id.in_(list(ids)))


async def existing_delivery_keys(session: AsyncSession, keys: Sequence[str]) -> list[str]:
    """Which of these outbox keys are queued already."""
    return list(await session.exec(select(Delivery.idempotency_key).where(Delivery.idempotency_key.in_(list(keys)))))


async def insert_nudges(session: AsyncSession, rows: Sequence[dict[str, Any]], *, manager_ids: Sequence[int],
                        now: datetime) -> list[Nudge]:
    """Insert nudges (all sent at `now`) in one statement; these managers' nudges sent at `now`, by id."""
    await session.exec(insert(Nudge).values(list(rows)))
    stored = await session.exec(
        select(Nudge).where(Nudge.manager_id.in_(list(manager_ids)), Nudge.sent_at == now).order_by(Nudge.id)
    )
    return list(stored.all())
