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


def _insert_ignoring_duplicates(session: AsyncSession, values: dict):
    table = KeyResultValue.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return builder(table).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(table.c.id)


async def record_value(
    session: AsyncSession, kr: KeyResult, *, value: float, at: datetime, source: str, note: str = "",
    idempotency_key: str | None, now: datetime,
) -> RecordedValue:
    """Add a value to the key result's history (call inside a transaction; the caller checked
    `value_problem`). With an idempotency key already used, the earlier row is returned."""
    fields = {"key_result_id": kr.id, "value": float(value), "at": at, "source": source, "note": note,
              "idempotency_key": idempotency_key, "recorded_at": now}
    new_id = (await session.execute(_insert_ignoring_duplicates(session, fields))).scalar()
    if new_id is None:
        earlier = (await session.exec(select(KeyResultValue).where(KeyResultValue.idempotency_key == idempotency_key))).one()
        return RecordedValue(earlier, created=False)
    updated = _aware(kr.updated_at)
    if updated is None or at >= updated:
        kr.current, kr.updated_at = float(value), at
        session.add(kr)
    return RecordedValue(KeyResultValue(id=new_id, **fields), created=True)


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
