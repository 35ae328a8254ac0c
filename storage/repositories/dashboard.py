"""Reads for the web dashboard's pages: each page is a fixed number of queries, whatever the
size of the organisation (benchmarks/dashboard.py counts them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import func, literal, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Blocker, BlockerStatus, CheckIn, KeyResult, KRUpdate, Nudge, Objective, Outcome, Person, Team, Win
from storage.api_tables import KeyResultValue
from storage.repositories.people import MAX_CHAIN_DEPTH

_NOT_RESOLVED = (BlockerStatus.open.value, BlockerStatus.acknowledged.value)


@dataclass(frozen=True, slots=True)
class KeyResultInContext:
    key_result: KeyResult
    objective: Objective
    outcome: Outcome
    owner: Person


@dataclass(frozen=True, slots=True)
class ReportedValue:
    at: datetime
    value: float
    confidence: int
    note: str
    period: str


async def key_result_by_key(session: AsyncSession, key: str) -> KeyResultInContext | None:
    row = (await session.exec(
        select(KeyResult, Objective, Outcome, Person)
        .join(Objective, col(Objective.id) == KeyResult.objective_id)
        .join(Outcome, col(Outcome.id) == Objective.outcome_id)
        .join(Person, col(Person.id) == KeyResult.owner_id)
        .where(KeyResult.key == key)
    )).first()
    return None if row is None else KeyResultInContext(*row)


async def reported_values(session: AsyncSession, key_result_id: int) -> list[ReportedValue]:
    """Every value reported in check-ins for the key result, oldest first."""
    rows = (await session.exec(
        select(KRUpdate.created_at, KRUpdate.value, KRUpdate.confidence, KRUpdate.note, CheckIn.period)
        .join(CheckIn, col(CheckIn.id) == KRUpdate.checkin_id)
        .where(KRUpdate.key_result_id == key_result_id)
        .order_by(col(KRUpdate.created_at), col(KRUpdate.id))
    )).all()
    return [ReportedValue(*row) for row in rows]


async def values_from_other_tools(session: AsyncSession, key_result_id: int) -> list[tuple[datetime, float, str]]:
    """(when, value, source) sent for the key result by other tools (the HTTP API, pull
    sources), oldest first: the dashboard plots them beside the check-in values."""
    rows = await session.exec(
        select(KeyResultValue.at, KeyResultValue.value, KeyResultValue.source)
        .where(KeyResultValue.key_result_id == key_result_id)
        .order_by(col(KeyResultValue.at), col(KeyResultValue.id))
    )
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def blockers_of_key_result(session: AsyncSession, key_result_id: int) -> list[Blocker]:
    return list((await session.exec(
        select(Blocker).where(Blocker.key_result_id == key_result_id)
        .order_by(col(Blocker.created_at).desc(), col(Blocker.id).desc()).limit(50)
    )).all())


async def wins_of_key_result(session: AsyncSession, key_result_id: int) -> list[Win]:
    return list((await session.exec(
        select(Win).where(Win.key_result_id == key_result_id)
        .order_by(col(Win.created_at).desc(), col(Win.id).desc()).limit(50)
    )).all())


async def ids_below(session: AsyncSession, manager_id: int) -> set[int]:
    """Everyone under the manager at any depth (the people whose manager chain includes them)."""
    tree = (select(Person.id.label("id"), literal(1).label("depth"))  # type: ignore[union-attr]
            .where(Person.manager_id == manager_id).cte("below", recursive=True))
    tree = tree.union(select(Person.id, tree.c.depth + 1)  # type: ignore[arg-type]
                      .where(Person.manager_id == tree.c.id, tree.c.depth < MAX_CHAIN_DEPTH))
    return set((await session.exec(select(tree.c.id))).all())


class TreeRow(NamedTuple):
    """One row of `outcome_tree`: an objective and one of its key results (None when it has none)."""

    outcome_id: int
    objective_id: int
    objective_period: str
    key_result_id: int | None
    owner_id: int | None
    owner_team_id: int | None
    baseline: float | None
    target: float | None
    current: float | None
    confidence: int | None


_TREE = (
    select(col(Objective.outcome_id).label("outcome_id"), col(Objective.id).label("objective_id"),
           col(Objective.period).label("objective_period"), col(KeyResult.id).label("key_result_id"),
           col(KeyResult.owner_id).label("owner_id"), col(Person.team_id).label("owner_team_id"),
           col(KeyResult.baseline).label("baseline"), col(KeyResult.target).label("target"),
           col(KeyResult.current).label("current"), col(KeyResult.confidence).label("confidence"))
    .select_from(Objective)
    .outerjoin(KeyResult, col(KeyResult.objective_id) == Objective.id)
    .outerjoin(Person, col(Person.id) == KeyResult.owner_id)
    .order_by(col(Objective.outcome_id), col(Objective.id), col(KeyResult.id))
)


async def outcome_tree(session: AsyncSession) -> tuple[list[Outcome], list[TreeRow]]:
    """Every outcome, and the numbers of every objective's key results, ordered by outcome,
    objective and key result (two queries; names and titles come from `tree_details` for the
    part of the tree a page lists).

    The whole organisation's key results are read as Core rows (no ORM objects for 30,000 key
    results) and taken by column name into `TreeRow`s, whose fields read as fast as a tuple's
    (a SQLAlchemy Row's attribute access costs about thirty times more, per field)."""
    outcomes = list((await session.exec(select(Outcome).order_by(Outcome.key))).all())
    result = await (await session.connection()).execute(_TREE)
    fields = itemgetter(*(list(result.keys()).index(name) for name in TreeRow._fields))
    return outcomes, [TreeRow._make(fields(row)) for row in result]


async def tree_details(session: AsyncSession, *, objective_ids: Iterable[int], key_result_ids: Iterable[int]
                       ) -> tuple[dict[int, str], dict[int, tuple[str, str, str, str]]]:
    """Objective titles, and each key result's (key, title, unit, owner name), for the ids given."""
    titles: dict[int, str] = {}
    wanted = set(objective_ids)
    if wanted:
        rows = await session.exec(select(Objective.id, Objective.title).where(col(Objective.id).in_(wanted)))
        titles = {id_: title for id_, title in rows.all()}  # type: ignore[misc]
    krs: dict[int, tuple[str, str, str, str]] = {}
    wanted = set(key_result_ids)
    if wanted:
        rows = await session.exec(
            select(KeyResult.id, KeyResult.key, KeyResult.title, KeyResult.unit, Person.name)
            .join(Person, col(Person.id) == KeyResult.owner_id).where(col(KeyResult.id).in_(wanted)))
        krs = {id_: (key, title, unit, name) for id_, key, title, unit, name in rows.all()}  # type: ignore[misc]
    return titles, krs


async def all_teams(session: AsyncSession) -> list[Team]:
    return list((await session.exec(select(Team).order_by(Team.name))).all())


async def people_by_ids_sorted(session: AsyncSession, ids: Iterable[int]) -> list[Person]:
    wanted = set(ids)
    if not wanted:
        return []
    return list((await session.exec(select(Person).where(col(Person.id).in_(wanted)).order_by(Person.name))).all())


async def team_member_ids(session: AsyncSession, team_id: int) -> set[int]:
    return set((await session.exec(select(Person.id).where(Person.team_id == team_id))).all())  # type: ignore[arg-type]


async def latest_checkins(session: AsyncSession, person_ids: Iterable[int]) -> list[tuple[CheckIn, list[tuple[KRUpdate, KeyResult]]]]:
    """Each person's most recent answered check-in with the values it reported (two queries)."""
    ids = set(person_ids)
    if not ids:
        return []
    latest = (select(CheckIn.person_id, func.max(CheckIn.answered_at).label("at"))
              .where(col(CheckIn.person_id).in_(ids), col(CheckIn.answered_at).is_not(None))
              .group_by(col(CheckIn.person_id)).subquery())
    checkins = list((await session.exec(
        select(CheckIn).join(latest, (latest.c.person_id == CheckIn.person_id) & (latest.c.at == CheckIn.answered_at))
    )).all())
    by_checkin: dict[int, list[tuple[KRUpdate, KeyResult]]] = {c.id: [] for c in checkins}  # type: ignore[misc]
    if checkins:
        rows = (await session.exec(
            select(KRUpdate, KeyResult).join(KeyResult, col(KeyResult.id) == KRUpdate.key_result_id)
            .where(col(KRUpdate.checkin_id).in_(list(by_checkin))).order_by(col(KeyResult.key))
        )).all()
        for update, kr in rows:
            by_checkin[update.checkin_id].append((update, kr))
    return [(c, by_checkin[c.id]) for c in sorted(checkins, key=lambda c: c.answered_at, reverse=True)]  # type: ignore[index, arg-type, return-value]


async def checkin_counts(session: AsyncSession, person_ids: Iterable[int], *, periods: Iterable[str]) -> dict[tuple[str, str], int]:
    """How many check-ins of these people ended in each status, per period: {(period, status): n}."""
    ids, wanted = set(person_ids), set(periods)
    if not ids or not wanted:
        return {}
    rows = (await session.exec(
        select(CheckIn.period, CheckIn.status, func.count())
        .where(col(CheckIn.person_id).in_(ids), col(CheckIn.period).in_(wanted))
        .group_by(col(CheckIn.period), col(CheckIn.status))
    )).all()
    return {(period, str(status)): int(n) for period, status, n in rows}


async def wins_of_people(session: AsyncSession, person_ids: Iterable[int], *, since: datetime) -> list[Win]:
    ids = set(person_ids)
    if not ids:
        return []
    return list((await session.exec(
        select(Win).where(col(Win.person_id).in_(ids), Win.created_at >= since)
        .order_by(col(Win.created_at).desc()).limit(50)
    )).all())


def _owned_by(owner_ids: set[int] | None):
    """A filter on key results: of these owners, or of everyone when None (no list in the SQL)."""
    return true() if owner_ids is None else col(KeyResult.owner_id).in_(owner_ids)


async def values_since(session: AsyncSession, owner_ids: Iterable[int] | None, *, since: datetime
                       ) -> list[tuple[int, datetime, float, int]]:
    """(key result id, when, value, confidence) reported since `since` for the key results of
    these owners (everyone's when None), oldest first."""
    owners = None if owner_ids is None else set(owner_ids)
    if owners is not None and not owners:
        return []
    statement = select(col(KRUpdate.key_result_id), col(KRUpdate.created_at), col(KRUpdate.value), col(KRUpdate.confidence))
    if owners is not None:  # everyone's: no join (on SQLite it would walk every value ever, key result by key result)
        statement = statement.join(KeyResult, col(KeyResult.id) == KRUpdate.key_result_id).where(_owned_by(owners))
    rows = await (await session.connection()).execute(
        statement.where(KRUpdate.created_at >= since).order_by(col(KRUpdate.created_at), col(KRUpdate.id)))
    return [tuple(row) for row in rows]  # type: ignore[misc]


class KeyResultFacts(NamedTuple):
    """What the insights rules need of a key result (plain columns: no ORM objects for 30,000)."""

    id: int
    key: str
    title: str
    outcome_id: int
    period: str
    owner_id: int
    owner_team_id: int | None
    baseline: float
    target: float
    current: float | None
    confidence: int | None


_FACTS = (
    select(col(KeyResult.id).label("id"), col(KeyResult.key).label("key"), col(KeyResult.title).label("title"),
           col(Objective.outcome_id).label("outcome_id"), col(Objective.period).label("period"),
           col(KeyResult.owner_id).label("owner_id"), col(Person.team_id).label("owner_team_id"),
           col(KeyResult.baseline).label("baseline"), col(KeyResult.target).label("target"),
           col(KeyResult.current).label("current"), col(KeyResult.confidence).label("confidence"))
    .join(Objective, col(Objective.id) == KeyResult.objective_id)
    .join(Person, col(Person.id) == KeyResult.owner_id)
)


async def key_result_facts(session: AsyncSession, owner_ids: Iterable[int] | None) -> list[KeyResultFacts]:
    """The key results of these owners (everyone's when None) by key, read by column name."""
    owners = None if owner_ids is None else set(owner_ids)
    if owners is not None and not owners:
        return []
    result = await (await session.connection()).execute(_FACTS.where(_owned_by(owners)).order_by(col(KeyResult.key)))
    fields = itemgetter(*(list(result.keys()).index(name) for name in KeyResultFacts._fields))
    return [KeyResultFacts._make(fields(row)) for row in result]


async def old_open_blockers(session: AsyncSession, person_ids: Iterable[int] | None, *, opened_by: datetime,
                            limit: int) -> tuple[list[tuple[Blocker, str, str | None]], int]:
    """Blockers not yet resolved, opened at or before `opened_by` by these people (anyone when
    None): the oldest `limit` with their author's name and key result's key, and how many there are."""
    ids = None if person_ids is None else set(person_ids)
    if ids is not None and not ids:
        return [], 0
    mine = true() if ids is None else col(Blocker.person_id).in_(ids)
    old = (mine, col(Blocker.status).in_(_NOT_RESOLVED), col(Blocker.created_at) <= opened_by)
    rows = (await session.exec(
        select(Blocker, Person.name, KeyResult.key).join(Person, col(Person.id) == Blocker.person_id)
        .outerjoin(KeyResult, col(KeyResult.id) == Blocker.key_result_id)
        .where(*old).order_by(col(Blocker.created_at), col(Blocker.id)).limit(limit)
    )).all()
    total = (await session.exec(select(func.count()).select_from(Blocker).where(*old))).one()
    return [(blocker, name, key) for blocker, name, key in rows], int(total)


async def change_marker(session: AsyncSession, key_result_id: int | None = None) -> str:
    """Changes whenever a check-in value, a value from another tool, a blocker or a win is stored
    (for one key result, or any):
    the live pages poll this; it is read from the database, so every replica sees the same."""
    if key_result_id is not None:
        changed = select(KeyResult.updated_at).where(KeyResult.id == key_result_id).scalar_subquery()
        sent = (select(func.max(KeyResultValue.id)).where(KeyResultValue.key_result_id == key_result_id)
                .scalar_subquery())
        row = (await session.exec(
            select(func.max(KRUpdate.id), func.count(KRUpdate.id), changed, sent)
            .where(KRUpdate.key_result_id == key_result_id)
        )).one()
        return f"{row[0] or 0}.{row[1]}.{row[2].timestamp() if row[2] else 0}.{row[3] or 0}"
    updates = (await session.exec(select(func.max(KRUpdate.id)))).one()
    blockers = (await session.exec(select(func.max(Blocker.id)))).one()
    wins = (await session.exec(select(func.max(Win.id)))).one()
    sent = (await session.exec(select(func.max(KeyResultValue.id)))).one()
    return f"{updates or 0}.{blockers or 0}.{wins or 0}.{sent or 0}"


async def nudges_about_people(session: AsyncSession, person_ids: Iterable[int], *, since: datetime) -> list[tuple[Nudge, KeyResult | None]]:
    """Coaching nudges created about these people since `since`, newest first, with their key result."""
    ids = set(person_ids)
    if not ids:
        return []
    rows = await session.exec(
        select(Nudge, KeyResult).outerjoin(KeyResult, col(KeyResult.id) == Nudge.key_result_id)
        .where(col(Nudge.report_id).in_(ids), Nudge.created_at >= since)
        .order_by(col(Nudge.created_at).desc(), col(Nudge.id).desc()).limit(50)
    )
    return list(rows.all())
