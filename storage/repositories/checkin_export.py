"""Check-ins page by page for the export API: constant memory however many there are.

Pages are read in id order (`after_id` is the last id already given), two statements a page:
the check-ins with their person and cadence, then the key results they answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadence, CheckIn, KeyResult, KRUpdate, Person


@dataclass(slots=True)
class ExportedKeyResult:
    key: str
    value: float
    confidence: int
    note: str


@dataclass(slots=True)
class ExportedCheckIn:
    id: int
    person: str
    cadence: str
    period: str
    status: str
    prompted_at: datetime | None
    answered_at: datetime | None
    reflections: dict[str, str]
    key_results: list[ExportedKeyResult] = field(default_factory=list)


def _aware(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


async def checkin_page(session: AsyncSession, *, after_id: int, since: datetime | None, limit: int) -> list[ExportedCheckIn]:
    c = CheckIn.__table__.c  # type: ignore[attr-defined]
    query = (select(c.id, Person.__table__.c.email, Cadence.__table__.c.name, c.period, c.status, c.prompted_at,  # type: ignore[attr-defined]
                    c.answered_at, c.reflections)
             .join(Person.__table__, Person.__table__.c.id == c.person_id)  # type: ignore[attr-defined]
             .join(Cadence.__table__, Cadence.__table__.c.id == c.cadence_id)  # type: ignore[attr-defined]
             .where(c.id > after_id).order_by(c.id).limit(limit))
    if since is not None:
        query = query.where(or_(c.answered_at >= since, c.prompted_at >= since))
    page = {row[0]: ExportedCheckIn(row[0], row[1], row[2], row[3], row[4], _aware(row[5]), _aware(row[6]), row[7] or {})
            for row in (await session.execute(query)).all()}
    if page:
        u, k = KRUpdate.__table__.c, KeyResult.__table__.c  # type: ignore[attr-defined]
        updates = await session.execute(
            select(u.checkin_id, k.key, u.value, u.confidence, u.note).join(KeyResult.__table__, k.id == u.key_result_id)  # type: ignore[attr-defined]
            .where(u.checkin_id.in_(list(page))).order_by(u.checkin_id, k.key))
        for checkin_id, key, value, confidence, note in updates.all():
            page[checkin_id].key_results.append(ExportedKeyResult(key, value, confidence, note))
    return list(page.values())


async def first_id_after(session: AsyncSession, *, after_id: int, since: datetime | None, skip: int) -> int | None:
    """The id `skip` check-ins past `after_id` (where the next page starts), or None."""
    c = CheckIn.__table__.c  # type: ignore[attr-defined]
    query = select(c.id).where(c.id > after_id).order_by(c.id).offset(skip).limit(1)
    if since is not None:
        query = query.where(or_(c.answered_at >= since, c.prompted_at >= since))
    return (await session.execute(query)).scalar()
