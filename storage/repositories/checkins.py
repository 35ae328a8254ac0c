"""Check-ins: find or create the one for a period, and record a submission in one transaction.

Re-submitting an answered check-in never duplicates anything: key result updates are updated
in place (one per check-in and key result), and a blocker or win whose text this check-in
already holds is not added again. So a platform retry is recorded once, and `checkin update`
lets a person correct their answers for the period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Blocker,
    Cadence,
    CheckIn,
    CheckInStatus,
    KeyResult,
    KRUpdate,
    Person,
    Win,
    WinStatus,
)

# A `win TEXT` repeated within this window (a retried slash command) is the same win.
WIN_RETRY_WINDOW = timedelta(minutes=10)


class KRAnswerLike(Protocol):
    key_result_id: int
    value: float
    confidence: int
    note: str


class BlockerAnswerLike(Protocol):
    text: str
    key_result_id: int | None


class WinAnswerLike(Protocol):
    text: str
    share: bool


class AnswersLike(Protocol):
    """What `record_checkin` reads; bot.checkin_form.CheckInAnswers has this shape."""

    key_results: Iterable[KRAnswerLike]
    blockers: Iterable[BlockerAnswerLike]
    wins: Iterable[WinAnswerLike]
    reflections: Mapping[str, str]


@dataclass(slots=True)
class RecordedCheckIn:
    checkin: CheckIn
    first_time: bool  # False when the check-in had been answered before (a retry or an update)
    key_results: list[KeyResult] = field(default_factory=list)
    new_blockers: list[Blocker] = field(default_factory=list)
    new_wins: list[Win] = field(default_factory=list)


async def checkin_by_id(session: AsyncSession, checkin_id: int) -> CheckIn | None:
    return await session.get(CheckIn, checkin_id)


async def cadence_by_id(session: AsyncSession, cadence_id: int) -> Cadence | None:
    return await session.get(Cadence, cadence_id)


async def get_or_create_checkin(
    session: AsyncSession,
    *,
    person: Person,
    cadence: Cadence,
    period: str,
    period_ends_at: datetime | None = None,
) -> CheckIn:
    """The check-in for (person, cadence, period), created pending if missing (race-safe)."""
    statement = select(CheckIn).where(
        CheckIn.person_id == person.id, CheckIn.cadence_id == cadence.id, CheckIn.period == period
    )
    found = (await session.exec(statement)).first()
    if found is not None:
        return found
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(CheckIn)
        .values(
            person_id=person.id,
            cadence_id=cadence.id,
            period=period,
            status=CheckInStatus.pending.value,
            period_ends_at=period_ends_at,
            reminders_sent=0,
            reflections={},
        )
        .on_conflict_do_nothing(index_elements=["person_id", "cadence_id", "period"])
    )
    return (await session.exec(statement)).one()


def _same_text(text: str) -> str:
    return " ".join(text.split()).casefold()


async def record_checkin(session: AsyncSession, checkin: CheckIn, answers: AnswersLike, now: datetime) -> RecordedCheckIn:
    """Write the answers; call inside `Database.transaction()` (the caller commits).

    The check-in row is locked first (an UPDATE takes the row lock on PostgreSQL and the write
    lock on SQLite), so two concurrent submissions of the same check-in are applied one after
    the other and the second finds the first's rows.
    """
    await session.execute(update(CheckIn).where(CheckIn.id == checkin.id).values(id=CheckIn.id))
    row = (await session.exec(select(CheckIn).where(CheckIn.id == checkin.id).execution_options(populate_existing=True))).one()
    first_time = row.status != CheckInStatus.answered

    kr_answers = list(answers.key_results)
    owned = {
        kr.id: kr
        for kr in (
            await session.exec(select(KeyResult).where(KeyResult.id.in_([a.key_result_id for a in kr_answers])))  # type: ignore[union-attr]
        ).all()
    }
    existing_updates = {
        update_row.key_result_id: update_row
        for update_row in (await session.exec(select(KRUpdate).where(KRUpdate.checkin_id == row.id))).all()
    }
    recorded = RecordedCheckIn(row, first_time)
    for answer in kr_answers:
        kr = owned.get(answer.key_result_id)
        if kr is None or kr.owner_id != row.person_id:
            continue  # a key result deleted or re-owned since the form was shown
        kr_update = existing_updates.get(kr.id) or KRUpdate(
            checkin_id=row.id, key_result_id=kr.id, value=0, confidence=0, created_at=now  # type: ignore[arg-type]
        )
        kr_update.value, kr_update.confidence, kr_update.note = answer.value, answer.confidence, answer.note
        kr.current, kr.confidence, kr.updated_at = answer.value, answer.confidence, now
        session.add(kr_update)
        session.add(kr)
        recorded.key_results.append(kr)

    known_blockers = {
        _same_text(b.text) for b in (await session.exec(select(Blocker).where(Blocker.checkin_id == row.id))).all()
    }
    for blocker in answers.blockers:
        if _same_text(blocker.text) in known_blockers:
            continue
        known_blockers.add(_same_text(blocker.text))
        link = blocker.key_result_id if blocker.key_result_id in owned or blocker.key_result_id is None else None
        new = Blocker(person_id=row.person_id, checkin_id=row.id, key_result_id=link, text=blocker.text, created_at=now)
        session.add(new)
        recorded.new_blockers.append(new)

    known_wins = {_same_text(w.text) for w in (await session.exec(select(Win).where(Win.checkin_id == row.id))).all()}
    for win in answers.wins:
        if _same_text(win.text) in known_wins:
            continue
        known_wins.add(_same_text(win.text))
        status = WinStatus.approved if win.share else WinStatus.private
        new_win = Win(person_id=row.person_id, checkin_id=row.id, text=win.text, share=win.share, status=status, created_at=now)
        session.add(new_win)
        recorded.new_wins.append(new_win)

    row.reflections = {**(row.reflections or {}), **dict(answers.reflections)}
    row.status = CheckInStatus.answered
    row.answered_at = row.answered_at or now
    row.next_action_at = None
    session.add(row)
    await session.flush()
    return recorded


async def record_win(
    session: AsyncSession,
    person: Person,
    text: str,
    now: datetime,
    *,
    share: bool = False,
    key_result_id: int | None = None,
) -> Win:
    """A win told outside a check-in (`win TEXT`): a draft until its author allows sharing.

    The same text from the same person within a few minutes is a retried command: the earlier
    win is returned instead of a second one.
    """
    recent = await session.exec(
        select(Win).where(Win.person_id == person.id, Win.checkin_id == None, Win.created_at >= now - WIN_RETRY_WINDOW)  # noqa: E711
    )
    for win in recent.all():
        if _same_text(win.text) == _same_text(text):
            return win
    win = Win(
        person_id=person.id,  # type: ignore[arg-type]
        key_result_id=key_result_id,
        text=text,
        share=share,
        status=WinStatus.approved if share else WinStatus.draft,
        created_at=now,
    )
    session.add(win)
    await session.flush()
    return win
