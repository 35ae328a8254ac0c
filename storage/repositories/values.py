"""Key result values from other tools (the API, pull sources) and each key result's history.

`key_result_history` is what a chart plots: every value a key result had, from check-ins and
from other tools, oldest first, each with where it came from. A value from another tool moves
the key result's current value when it is at least as new as the current one (a late backfill
goes into the history only); it never counts as the owner's check-in, and the next check-in
form starts from it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import and_, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.api_tables import KeyResultValue
from storage.models import CheckIn, KeyResult, KRUpdate

CHECK_IN_SOURCE = "check-in"


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    at: datetime
    value: float
    source: str  # "check-in" for the owner's own values
    note: str = ""  # people's words: shown only to those allowed to read check-ins
    confidence: int | None = None  # check-ins only


@dataclass(frozen=True, slots=True)
class RecordedValue:
    row: KeyResultValue
    created: bool  # False: an earlier request with the same idempotency key recorded it


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def value_problem(kr: KeyResult, value: float) -> str | None:
    """Why a key result cannot take `value`, or None. A value must be a finite number; a
    percentage lies within 0..100; a key result whose baseline and target are both ≥ 0 (a
    count, a number of days, an amount) cannot go below 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"{value!r} is not a finite number"
    if kr.unit.strip() == "%" and not 0 <= value <= 100:
        return f"{value:g} is not a percentage between 0 and 100"
    if kr.baseline >= 0 and kr.target >= 0 and value < 0:
        return f"{value:g} is below 0, which {kr.key} (from {kr.baseline:g} to {kr.target:g}{kr.unit}) cannot take"
    return None


async def key_result_by_key(session: AsyncSession, key: str) -> KeyResult | None:
    return (await session.exec(select(KeyResult).where(KeyResult.key == key))).first()


async def record_value(
    session: AsyncSession, kr: KeyResult, *, value: float, at: datetime, source: str, note: str = "",
    idempotency_key: str, now: datetime,
) -> RecordedValue:
    """Add one value to the key result's history (call inside a transaction; the caller checked
    `value_problem`). With an idempotency key already used, the earlier row is returned."""
    outcome = (await record_values(session, [NewValue(kr.key, value, at, source, note, idempotency_key)], now))[0]
    if outcome.recorded is None:
        raise ValueError(outcome.refused or f"key result {kr.key} no longer exists")
    return outcome.recorded


@dataclass(frozen=True, slots=True)
class NewValue:
    """One value to record in a batch (`record_values`)."""

    key: str  # the key result's key
    value: float
    at: datetime
    source: str
    note: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What became of one `NewValue`: recorded (or an earlier row, on a retry), else why not."""

    key_result: KeyResult | None
    recorded: RecordedValue | None = None
    refused: str | None = None  # why the key result cannot take the value; None when unknown or recorded


async def record_values(session: AsyncSession, values: list[NewValue], now: datetime) -> list[BatchOutcome]:
    """Record many values in a constant handful of statements (call inside a transaction).

    Unknown keys and values a key result cannot take are answered per value and change
    nothing; a repeated idempotency key (earlier, or twice in this batch) gives the row
    recorded first. Each key result takes its newest value as current.
    """
    keys = {item.key for item in values}
    krs = {kr.key: kr for kr in (await session.exec(select(KeyResult).where(KeyResult.key.in_(keys)))).all()}  # type: ignore[attr-defined]
    outcomes: list[BatchOutcome | None] = [None] * len(values)
    rows: list[dict] = []
    for n, item in enumerate(values):
        kr = krs.get(item.key)
        problem = value_problem(kr, item.value) if kr is not None else None
        if kr is None or problem:
            outcomes[n] = BatchOutcome(kr, refused=problem)
        else:
            rows.append({"key_result_id": kr.id, "value": float(item.value), "at": item.at, "source": item.source,
                         "note": item.note, "idempotency_key": item.idempotency_key, "recorded_at": now})
    created: dict[str, int] = {}
    if rows:
        table = KeyResultValue.__table__  # type: ignore[attr-defined]
        builder = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        # Parameters given as a list: SQLAlchemy's "insertmanyvalues" sends them as multi-row
        # INSERTs from one cached compiled statement, whatever the group's size.
        statement = (builder(table).on_conflict_do_nothing(index_elements=["idempotency_key"])
                     .returning(table.c.id, table.c.idempotency_key))
        created = {key: new_id for new_id, key in (await session.execute(statement, rows)).all()}
    earlier_keys = [row["idempotency_key"] for row in rows if row["idempotency_key"] not in created]
    first: dict[str, KeyResultValue] = {}
    if earlier_keys:
        found = await session.exec(select(KeyResultValue).where(KeyResultValue.idempotency_key.in_(earlier_keys)))  # type: ignore[attr-defined]
        first = {row.idempotency_key: row for row in found.all()}  # type: ignore[misc]
    by_id = {kr.id: kr for kr in krs.values()}
    pending = iter(rows)
    for n, outcome in enumerate(outcomes):
        if outcome is not None:
            continue
        fields = next(pending)
        key = fields["idempotency_key"]
        kr = by_id[fields["key_result_id"]]
        if key in first:  # recorded earlier, or by a first use of the key in this batch
            outcomes[n] = BatchOutcome(kr, RecordedValue(first[key], created=False))
            continue
        first[key] = KeyResultValue(id=created[key], **fields)
        _maybe_current(kr, fields["value"], fields["at"])
        outcomes[n] = BatchOutcome(kr, RecordedValue(first[key], created=True))
    return outcomes  # type: ignore[return-value]


def _maybe_current(kr: KeyResult, value: float, at: datetime) -> None:
    updated = _aware(kr.updated_at)
    if updated is None or at >= updated:
        kr.current, kr.updated_at = value, at


async def key_result_history(session: AsyncSession, key_result_id: int) -> list[HistoryPoint]:
    """Every value of one key result, check-ins and other tools together, oldest first."""
    return (await histories(session, [key_result_id])).get(key_result_id, [])


async def histories(session: AsyncSession, key_result_ids: Iterable[int]) -> dict[int, list[HistoryPoint]]:
    ids = set(key_result_ids)
    found: dict[int, list[HistoryPoint]] = {kr_id: [] for kr_id in ids}
    if not ids:
        return found
    updates = await session.exec(
        select(KRUpdate, CheckIn.answered_at).join(CheckIn, CheckIn.id == KRUpdate.checkin_id)
        .where(KRUpdate.key_result_id.in_(ids))  # type: ignore[attr-defined]
    )
    for update, answered_at in updates.all():
        at = _aware(answered_at or update.created_at)
        found[update.key_result_id].append(HistoryPoint(at, update.value, CHECK_IN_SOURCE, update.note, update.confidence))  # type: ignore[arg-type]
    others = await session.exec(select(KeyResultValue).where(KeyResultValue.key_result_id.in_(ids)))  # type: ignore[attr-defined]
    for row in others.all():
        found[row.key_result_id].append(HistoryPoint(_aware(row.at), row.value, row.source, row.note))  # type: ignore[arg-type]
    for points in found.values():
        points.sort(key=lambda point: point.at)
    return found


async def current_sources(session: AsyncSession, key_results: Iterable[KeyResult]) -> dict[int, str]:
    """For key results whose current value came from another tool: that tool's name."""
    krs = {kr.id: kr for kr in key_results if kr.updated_at is not None and kr.current is not None}
    if not krs:
        return {}
    rows = await session.exec(select(KeyResultValue).where(or_(*(
        and_(KeyResultValue.key_result_id == kr.id, KeyResultValue.at == kr.updated_at) for kr in krs.values()))))
    return {row.key_result_id: row.source for row in rows.all() if row.value == krs[row.key_result_id].current}
