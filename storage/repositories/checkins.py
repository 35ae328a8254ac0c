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

from sqlalchemy import bindparam, insert, literal, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Blocker,
    BlockerStatus,
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
_CHECKIN = CheckIn.__table__  # Core statements: no ORM bookkeeping on the submission path
_KR = KeyResult.__table__
_WIN = Win.__table__


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
    key_result_id: int | None  # the key result (so the outcome) it advanced


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


async def checkin_with_cadence(session: AsyncSession, checkin_id: int) -> tuple[CheckIn, Cadence] | None:
    """The check-in and its cadence in one query (for reading; see `lock_checkin` to write)."""
    statement = select(CheckIn, Cadence).join(Cadence, Cadence.id == CheckIn.cadence_id).where(CheckIn.id == checkin_id)
    found = (await session.exec(statement)).first()
    return (found[0], found[1]) if found else None


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
            next_action_at=period_ends_at,  # closed as missed then, unless answered or prompted first
            reminders_sent=0,
            reflections={},
        )
        .on_conflict_do_nothing(index_elements=["person_id", "cadence_id", "period"])
    )
    return (await session.exec(statement)).one()


def _same_text(text: str) -> str:
    return " ".join(text.split()).casefold()


async def lock_checkin(session: AsyncSession, checkin_id: int) -> tuple[CheckIn, Cadence, Person] | None:
    """The check-in, its cadence and its person, read fresh; the check-in locked for this transaction.

    PostgreSQL locks the check-in row (`FOR UPDATE`); on SQLite `Database.transaction()`
    already holds the write lock (`BEGIN IMMEDIATE`). Either way two submissions of one
    check-in are applied one after the other, and the second sees the first's rows. While
    the caller holds the person, `session.get(Person, ...)` in this transaction needs no query.
    """
    statement = (
        select(CheckIn, Cadence, Person)
        .join(Cadence, Cadence.id == CheckIn.cadence_id)
        .join(Person, Person.id == CheckIn.person_id)
        .where(CheckIn.id == checkin_id)
        .with_for_update(of=CheckIn)
        .execution_options(populate_existing=True)
    )
    found = (await session.exec(statement)).first()
    return (found[0], found[1], found[2]) if found else None


def _kr_update_upsert(insert_for_dialect):
    statement = insert_for_dialect(KRUpdate.__table__)
    return statement.on_conflict_do_update(
        index_elements=["checkin_id", "key_result_id"],
        set_={name: statement.excluded[name] for name in ("value", "confidence", "note")},
    )


# Built once: building `excluded` per call was a measurable part of a submission's CPU time.
_KR_UPDATE_UPSERT = {"postgresql": _kr_update_upsert(pg_insert), "sqlite": _kr_update_upsert(sqlite_insert)}


async def record_checkin(
    session: AsyncSession,
    checkin: CheckIn,
    answers: AnswersLike,
    now: datetime,
    *,
    locked: bool = False,
    key_results: Mapping[int, KeyResult] | None = None,
) -> RecordedCheckIn:
    """Write the answers; call inside `Database.transaction()` (the caller commits).

    A constant handful of statements whatever the number of key results, blockers and wins:
    key result updates are upserted and key results updated with one executemany each,
    blockers and wins inserted in one statement each, and the earlier answers are read only
    when the check-in was answered before.

    `locked=True` says `checkin` was read with `lock_checkin` in this transaction (else it
    is read and locked here); `key_results` are the person's key results when the caller
    has them loaded already (they are updated in place).
    """
    if not locked:
        found = await lock_checkin(session, checkin.id)  # type: ignore[arg-type]
        if found is None:
            raise LookupError(f"check-in {checkin.id} no longer exists")
        checkin = found[0]
    row = checkin
    first_time = row.status != CheckInStatus.answered
    recorded = RecordedCheckIn(row, first_time)

    kr_answers = list(answers.key_results)
    if key_results is None:
        ids = [a.key_result_id for a in kr_answers]
        key_results = {kr.id: kr for kr in (await session.exec(select(KeyResult).where(KeyResult.id.in_(ids)))).all()} if ids else {}  # type: ignore[union-attr,misc]
    owned = {kr_id: kr for kr_id, kr in key_results.items() if kr.owner_id == row.person_id}
    # A key result deleted or re-owned since the form was shown is skipped.
    kr_answers = [a for a in kr_answers if a.key_result_id in owned]
    if kr_answers:
        await session.execute(
            _KR_UPDATE_UPSERT[session.get_bind().dialect.name],
            [{"checkin_id": row.id, "key_result_id": a.key_result_id, "value": a.value, "confidence": a.confidence,
              "note": a.note, "created_at": now} for a in kr_answers],
        )
        await session.execute(
            update(_KR).where(_KR.c.id == bindparam("b_id"))
            .values(current=bindparam("b_current"), confidence=bindparam("b_confidence"), updated_at=now),
            [{"b_id": a.key_result_id, "b_current": a.value, "b_confidence": a.confidence} for a in kr_answers],
        )
        for a in kr_answers:
            kr = owned[a.key_result_id]
            for name, value in (("current", a.value), ("confidence", a.confidence), ("updated_at", now)):
                set_committed_value(kr, name, value)
            recorded.key_results.append(kr)

    known_blockers: set[str] = set()
    known_wins: set[str] = set()
    if not first_time:
        known_blockers, known_wins = await _texts_recorded(session, row.id)  # type: ignore[arg-type]
    blocker_rows = []
    for blocker in answers.blockers:
        if _same_text(blocker.text) in known_blockers:
            continue
        known_blockers.add(_same_text(blocker.text))
        link = blocker.key_result_id if blocker.key_result_id in owned or blocker.key_result_id is None else None
        blocker_rows.append({"person_id": row.person_id, "checkin_id": row.id, "key_result_id": link,
                             "text": blocker.text, "status": BlockerStatus.open.value, "created_at": now})
    if blocker_rows:
        await session.execute(insert(Blocker.__table__), blocker_rows)
        recorded.new_blockers = [Blocker(**values) for values in blocker_rows]

    win_rows = []
    for win in answers.wins:
        if _same_text(win.text) in known_wins:
            continue
        known_wins.add(_same_text(win.text))
        status = WinStatus.approved if win.share else WinStatus.private
        link = win.key_result_id if win.key_result_id in owned else None
        win_rows.append({"person_id": row.person_id, "checkin_id": row.id, "key_result_id": link, "text": win.text,
                         "share": win.share, "status": status.value, "created_at": now})
    if win_rows:
        ids_by_text = dict((await session.execute(insert(_WIN).returning(_WIN.c.text, _WIN.c.id), win_rows)).all())
        recorded.new_wins = [Win(id=ids_by_text.get(values["text"]), **values) for values in win_rows]

    changes = {
        "reflections": {**(row.reflections or {}), **dict(answers.reflections)},
        "status": CheckInStatus.answered.value,
        "answered_at": row.answered_at or now,
        "next_action_at": None,
    }
    await session.execute(update(_CHECKIN).where(_CHECKIN.c.id == row.id).values(**changes))
    for name, value in changes.items():
        set_committed_value(row, name, value)
    return recorded


async def _texts_recorded(session: AsyncSession, checkin_id: int) -> tuple[set[str], set[str]]:
    """The blocker and win texts a check-in holds already, in one query."""
    rows = await session.execute(
        union_all(
            select(literal("blocker"), Blocker.text).where(Blocker.checkin_id == checkin_id),
            select(literal("win"), Win.text).where(Win.checkin_id == checkin_id),
        )
    )
    texts: dict[str, set[str]] = {"blocker": set(), "win": set()}
    for kind, text in rows.all():
        texts[kind].add(_same_text(text))
    return texts["blocker"], texts["win"]


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
