"""Check-ins: find or create the one for a period, and record a submission in one transaction.

Re-submitting an answered check-in never duplicates anything: key result updates are updated
in place (one per check-in and key result), and a blocker or win whose text this check-in
already holds is not added again. A blocker whose text was edited replaces one of the
check-in's own (see `_blocker_changes`). So a platform retry is recorded once, and `checkin
update` lets a person correct their answers for the period.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import TextClause, bindparam, column, text
from sqlalchemy.engine import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.batch import Batch, Steps, run_steps, run_steps_on
from storage.driver import Driver
from storage.models import (
    BlockerStatus,
    Cadence,
    CheckIn,
    CheckInStatus,
    Direction,
    KeyResult,
    Objective,
    Outcome,
    Person,
    Win,
    WinStatus,
    progress_between,
)
from storage.repositories.okrs import current_only
from storage.repositories.win_edits import win_changes

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
    key_result_id: int | None  # the key result (so the outcome) it advanced


class AnswersLike(Protocol):
    """What `record_checkin` reads; bot.checkin_form.CheckInAnswers has this shape."""

    key_results: Iterable[KRAnswerLike]
    blockers: Iterable[BlockerAnswerLike]
    wins: Iterable[WinAnswerLike]
    reflections: Mapping[str, str]


# Plain rows for the submission path: building a SQLModel table instance costs tens of
# microseconds of ORM instrumentation, a dataclass next to nothing. Same attribute names as
# the models, so views and templates read either.

@dataclass(slots=True)
class CheckInRow:
    id: int
    person_id: int
    cadence_id: int
    period: str
    status: str
    reminders_sent: int
    reflections: dict[str, str]
    answered_at: datetime | None
    next_action_at: datetime | None = None


@dataclass(slots=True)
class CadenceRow:
    id: int
    name: str
    every: str
    questions: list[str]


@dataclass(slots=True)
class KeyResultRow:
    id: int
    key: str
    title: str
    unit: str
    baseline: float
    target: float
    current: float | None
    confidence: int | None
    direction: Direction
    objective_id: int
    owner_id: int
    updated_at: datetime | None = None

    def progress(self) -> float:
        return progress_between(self.baseline, self.target, self.current)


@dataclass(slots=True)
class StoredBlocker:
    person_id: int
    checkin_id: int | None
    key_result_id: int | None
    text: str
    status: str
    created_at: datetime
    id: int | None = None


@dataclass(slots=True)
class StoredWin:
    id: int | None
    person_id: int | None
    checkin_id: int | None
    key_result_id: int | None
    text: str
    share: bool
    status: str
    created_at: datetime | None = None


@dataclass(slots=True)
class RecordedCheckIn:
    checkin: CheckIn | CheckInRow
    first_time: bool  # False when the check-in had been answered before (a retry or an update)
    key_results: list[KeyResult | KeyResultRow] = field(default_factory=list)  # as updated
    new_blockers: list[StoredBlocker] = field(default_factory=list)
    new_wins: list[StoredWin] = field(default_factory=list)
    earlier_wins: list[StoredWin] = field(default_factory=list)  # read only when answered before (first_time False)
    edited_wins: list[StoredWin] = field(default_factory=list)  # earlier wins rewritten by this submission


def _set(row: object, name: str, value: object) -> None:
    """Update a row read earlier to what was just written (no ORM change event for models)."""
    if hasattr(row, "_sa_instance_state"):
        set_committed_value(row, name, value)
    else:
        setattr(row, name, value)


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


@dataclass(slots=True)
class AnswerTarget:
    """What answering a check-in needs, read in one statement (`checkin_for_answers`), as
    plain rows (not in the session; `record_checkin` writes with plain statements)."""

    checkin: CheckInRow
    cadence: CadenceRow
    key_results: list[KeyResultRow]  # the person's, of the OKR period current at the check-in


_CHECKIN, _CADENCE, _KR = CheckIn.__table__, Cadence.__table__, KeyResult.__table__
_OBJECTIVE, _OUTCOME = Objective.__table__, Outcome.__table__
_ANSWER_TARGET = (
    select(
        _CHECKIN.c.person_id, _CHECKIN.c.cadence_id, _CHECKIN.c.period, _CHECKIN.c.status, _CHECKIN.c.reminders_sent,
        _CHECKIN.c.reflections, _CHECKIN.c.answered_at,
        _CADENCE.c.name.label("cadence_name"), _CADENCE.c.every, _CADENCE.c.questions,
        _KR.c.id.label("kr_id"), _KR.c.key.label("kr_key"), _KR.c.title, _KR.c.unit, _KR.c.baseline, _KR.c.target,
        _KR.c.current, _KR.c.confidence, _KR.c.direction, _KR.c.objective_id,
        _OBJECTIVE.c.period.label("okr_period"), _OUTCOME.c.id.label("outcome_id"),
    )
    .select_from(
        _CHECKIN.join(_CADENCE, _CADENCE.c.id == _CHECKIN.c.cadence_id)
        .outerjoin(_KR, _KR.c.owner_id == _CHECKIN.c.person_id)
        .outerjoin(_OBJECTIVE, _OBJECTIVE.c.id == _KR.c.objective_id)
        .outerjoin(_OUTCOME, _OUTCOME.c.id == _OBJECTIVE.c.outcome_id)
    )
    .where(_CHECKIN.c.id == bindparam("checkin_id"))
    .order_by(_OUTCOME.c.key, _OBJECTIVE.c.id, _KR.c.key)
    .with_for_update(of=_CHECKIN)
)  # outer joins so a person without key results still gets the row; each uses an index
# Values bound with their columns' types, so SQLAlchemy stores them as the columns do.
_TIME = _CHECKIN.c.answered_at.type
_JSON = _CHECKIN.c.reflections.type


@lru_cache(maxsize=1024)  # the same few shapes (number of answers) again and again: compiled once
def _sql(sql: str, *, times: tuple[str, ...] = (), json: tuple[str, ...] = ()) -> TextClause:
    """`text(sql)` with the parameters named in `times` and `json` bound with those column types."""
    return text(sql).bindparams(*(bindparam(name, type_=_TIME) for name in times),
                                *(bindparam(name, type_=_JSON) for name in json))


async def checkin_for_answers(
    session: AsyncSession, checkin_id: int, *, on: Callable[[str], date]
) -> AnswerTarget | None:
    """The check-in, its cadence and its owner's key results in one statement, the check-in
    locked for this transaction (PostgreSQL `FOR UPDATE`; on SQLite `Database.transaction()`
    holds the write lock already). `on(period)` is the day whose OKR period counts (see
    `okrs.current_only`): key results are ordered as `okrs.key_results_of` orders them."""
    batch = (await Driver.of(session)).batch()  # on SQLite one call to the driver's thread
    read = batch.add(_ANSWER_TARGET, {"checkin_id": checkin_id})
    await batch.run()
    return _answer_target(batch.rows(read), checkin_id, on)


def checkin_for_answers_on(connection: Connection, checkin_id: int, *, on: Callable[[str], date]) -> AnswerTarget | None:
    """`checkin_for_answers` on a synchronous connection (`Database.write_on_thread`)."""
    batch = Batch()
    read = batch.add(_ANSWER_TARGET, {"checkin_id": checkin_id})
    batch.run_on(connection)
    return _answer_target(batch.rows(read), checkin_id, on)


def _answer_target(rows: list, checkin_id: int, on: Callable[[str], date]) -> AnswerTarget | None:
    if not rows:
        return None
    first = rows[0]
    checkin = CheckInRow(checkin_id, first.person_id, first.cadence_id, first.period, first.status,
                         first.reminders_sent or 0, first.reflections or {}, first.answered_at)
    cadence = CadenceRow(first.cadence_id, first.cadence_name, first.every, first.questions or [])
    owned = [row for row in rows if row.outcome_id is not None]  # a key result with its objective and outcome
    owned = current_only(owned, on(checkin.period), period=lambda row: row.okr_period)
    key_results = [KeyResultRow(row.kr_id, row.kr_key, row.title, row.unit, row.baseline, row.target, row.current,
                                row.confidence, Direction(row.direction), row.objective_id, first.person_id)
                   for row in owned]
    return AnswerTarget(checkin, cadence, key_results)


def _values(names: tuple[str, ...], rows: list[tuple], casts: tuple[str, ...] = (), *,
            shared: tuple[str, ...] = ()) -> tuple[str, dict]:
    """Multi-row VALUES with a named parameter per value (`name_row`), and the parameters; each
    row ends with the `shared` parameters, passed once by the caller."""
    casts = casts or ("",) * len(names)
    text = ", ".join(
        "(" + ", ".join([*(f"CAST(:{name}_{n} AS {cast})" if cast else f":{name}_{n}" for name, cast in zip(names, casts)),
                         *(f":{name}" for name in shared)]) + ")"
        for n in range(len(rows)))
    return text, {f"{name}_{n}": value for n, row in enumerate(rows) for name, value in zip(names, row)}


async def record_checkin(
    session: AsyncSession,
    checkin: CheckIn | CheckInRow,
    answers: AnswersLike,
    now: datetime,
    *,
    locked: bool = False,
    key_results: Mapping[int, KeyResult | KeyResultRow] | None = None,
    batch: Batch | None = None,
) -> RecordedCheckIn:
    """Write the answers; call inside `Database.transaction()` (the caller commits).

    A constant handful of plain statements whatever the number of key results, blockers and
    wins, sent to the driver together (storage.batch.Batch: on SQLite one wait for its
    thread): key result updates upserted and key results updated with one multi-row statement
    each, blockers and wins inserted with one each (edited blockers updated with one), the
    check-in updated. The earlier answers
    are read first (one more statement) only when the check-in was answered before. `batch`:
    statements of the caller's to run with these (added before the call, read after it).

    `locked=True` says `checkin` holds the row as read in this transaction, locked
    (`checkin_for_answers` or `lock_checkin`); else it is read and locked here. `key_results`
    are the person's key results when the caller has them (their copies are updated in place).
    """
    if not locked:
        found = await lock_checkin(session, checkin.id)  # type: ignore[arg-type]
        if found is None:
            raise LookupError(f"check-in {checkin.id} no longer exists")
        checkin = found[0]
    if key_results is None:
        ids = [a.key_result_id for a in answers.key_results]
        key_results = {kr.id: kr for kr in (await session.exec(select(KeyResult).where(KeyResult.id.in_(ids)))).all()} if ids else {}  # type: ignore[union-attr,misc]
    driver = await Driver.of(session)
    return await run_steps(record_steps(checkin, answers, now, key_results=key_results, batch=batch), driver)


def record_checkin_on(
    connection: Connection,
    checkin: CheckInRow,
    answers: AnswersLike,
    now: datetime,
    *,
    key_results: Mapping[int, KeyResultRow],
    batch: Batch | None = None,
) -> RecordedCheckIn:
    """`record_checkin` on a synchronous connection (`Database.write_on_thread`), for a
    check-in read with `checkin_for_answers_on` in the same transaction."""
    return run_steps_on(record_steps(checkin, answers, now, key_results=key_results, batch=batch), connection)


def record_steps(
    checkin: CheckIn | CheckInRow,
    answers: AnswersLike,
    now: datetime,
    *,
    key_results: Mapping[int, KeyResult | KeyResultRow],
    batch: Batch | None = None,
) -> Steps[RecordedCheckIn]:
    """What `record_checkin` does, as batches (storage.batch): the earlier answers when the
    check-in was answered before, then every write (with `batch`'s statements)."""
    row = checkin
    batch = batch if batch is not None else Batch()
    first_time = row.status != CheckInStatus.answered
    recorded = RecordedCheckIn(row, first_time)

    kr_answers = list(answers.key_results)
    owned = {kr_id: kr for kr_id, kr in key_results.items() if kr.owner_id == row.person_id}
    # A key result deleted or re-owned since the form was shown is skipped.
    kr_answers = list({a.key_result_id: a for a in kr_answers if a.key_result_id in owned}.values())
    if kr_answers:
        values, parameters = _values(("kr", "value", "confidence", "note"),
                                     [(a.key_result_id, a.value, a.confidence, a.note) for a in kr_answers],
                                     shared=("checkin_id", "now"))
        batch.add(
            _sql("INSERT INTO kr_update (key_result_id, value, confidence, note, checkin_id, created_at)"
                 f" VALUES {values} ON CONFLICT (checkin_id, key_result_id) DO UPDATE"
                 " SET value = excluded.value, confidence = excluded.confidence, note = excluded.note", times=("now",)),
            {**parameters, "checkin_id": row.id, "now": now},
        )
        values, parameters = _values(("id", "value", "confidence"),
                                     [(a.key_result_id, a.value, a.confidence) for a in kr_answers],
                                     ("INTEGER", "DOUBLE PRECISION", "INTEGER"))
        batch.add(
            _sql(f"WITH v (id, value, confidence) AS (VALUES {values}) UPDATE key_result"
                 " SET current = v.value, confidence = v.confidence, updated_at = :now"
                 " FROM v WHERE key_result.id = v.id", times=("now",)),
            {**parameters, "now": now},
        )
        for a in kr_answers:
            kr = owned[a.key_result_id]
            for name, value in (("current", a.value), ("confidence", a.confidence), ("updated_at", now)):
                _set(kr, name, value)
            recorded.key_results.append(kr)

    earlier_blockers: list[StoredBlocker] = []
    if not first_time:
        before = Batch()
        read = before.add(_RECORDED_BEFORE, {"checkin_id": row.id})
        yield before
        earlier_blockers, recorded.earlier_wins = _recorded_before(before.rows(read), row)
    blocker_rows, blocker_edits = _blocker_changes(answers.blockers, earlier_blockers, row, owned, now)
    if blocker_rows:
        values, parameters = _values(("person", "checkin", "kr", "text", "status"),
                                     [(b.person_id, b.checkin_id, b.key_result_id, b.text, b.status) for b in blocker_rows],
                                     shared=("now",))
        batch.add(
            _sql(f"INSERT INTO blocker (person_id, checkin_id, key_result_id, text, status, created_at) VALUES {values}",
                 times=("now",)),
            {**parameters, "now": now},
        )
    if blocker_edits:
        # An edited blocker keeps its id and age; what the manager acknowledged or resolved
        # was other words, so it is open again (README: "Changing a check-in").
        values, parameters = _values(("id", "text", "kr"), [(b.id, b.text, b.key_result_id) for b in blocker_edits],
                                     ("INTEGER", "VARCHAR", "INTEGER"))
        batch.add(
            _sql(f"WITH v (id, text, key_result_id) AS (VALUES {values}) UPDATE blocker SET text = v.text,"
                 " key_result_id = v.key_result_id, status = :open, acknowledged_at = NULL, resolved_at = NULL"
                 " FROM v WHERE blocker.id = v.id"),
            {**parameters, "open": BlockerStatus.open.value},
        )
    recorded.new_blockers = blocker_rows + blocker_edits
    resolved = list(getattr(answers, "resolved_blockers", ()))
    if resolved:  # earlier blockers marked resolved in the form; only the person's own change
        ids = ", ".join(f":resolved_{n}" for n in range(len(resolved)))
        batch.add(
            _sql("UPDATE blocker SET status = :resolved, resolved_at = :now WHERE person_id = :person"
                 f" AND status != :resolved AND id IN ({ids})", times=("now",)),
            {"resolved": BlockerStatus.resolved.value, "now": now, "person": row.person_id,
             **{f"resolved_{n}": blocker_id for n, blocker_id in enumerate(resolved)}},
        )

    win_rows, win_edits = win_changes(answers.wins, recorded.earlier_wins, row, owned, now)
    if win_rows:
        values, parameters = _values(("person", "checkin", "kr", "text", "share", "status"),
                                     [(w["person_id"], w["checkin_id"], w["key_result_id"], w["text"], w["share"],
                                       w["status"]) for w in win_rows],
                                     shared=("now",))
        inserted = batch.add(
            _sql("INSERT INTO win (person_id, checkin_id, key_result_id, text, share, status, created_at)"
                 f" VALUES {values} RETURNING text, id", times=("now",)),
            {**parameters, "now": now},
        )
    if win_edits:
        values, parameters = _values(("id", "text", "share", "kr", "status"),
                                     [(w.id, w.text, w.share, w.key_result_id, w.status) for w in win_edits],
                                     ("INTEGER", "VARCHAR", "BOOLEAN", "INTEGER", "VARCHAR"))
        batch.add(
            _sql(f"WITH v (id, text, share, key_result_id, status) AS (VALUES {values}) UPDATE win SET text = v.text,"
                 " share = v.share, key_result_id = v.key_result_id, status = v.status FROM v WHERE win.id = v.id"),
            parameters,
        )
    recorded.edited_wins = win_edits

    reflections = {**(row.reflections or {}), **dict(answers.reflections)}
    answered_at = row.answered_at or now
    batch.add(
        _sql("UPDATE checkin SET reflections = :reflections, status = :status, answered_at = :answered_at,"
             " next_action_at = NULL WHERE id = :id", times=("answered_at",), json=("reflections",)),
        {"reflections": reflections, "status": CheckInStatus.answered.value, "answered_at": answered_at, "id": row.id},
    )
    yield batch
    if win_rows:
        ids_by_text = dict(batch.rows(inserted))
        recorded.new_wins = [StoredWin(id=ids_by_text.get(values["text"]), **values) for values in win_rows]
    changes = {"reflections": reflections, "status": CheckInStatus.answered, "answered_at": answered_at, "next_action_at": None}
    for name, value in changes.items():
        _set(row, name, value)
    return recorded


def _blocker_changes(
    answers: Iterable[BlockerAnswerLike],
    earlier: list[StoredBlocker],
    checkin: CheckIn | CheckInRow,
    owned: Mapping[int, object],
    now: datetime,
) -> tuple[list[StoredBlocker], list[StoredBlocker]]:
    """The blockers to insert and the check-in's own blockers to rewrite, for these answers.

    A blocker whose text the check-in holds already is left as it is (id, status, age: a
    platform retry, or an update that kept it). A changed text takes over the first of the
    check-in's blockers that the answers no longer name (oldest first), so editing replaces;
    only texts beyond those are new blockers. A blocker left out of an update is kept (the
    update form starts empty; a blocker goes away by being resolved).
    """
    known = {_same_text(b.text) for b in earlier}
    wanted: dict[str, BlockerAnswerLike] = {}
    for blocker in answers:
        wanted.setdefault(_same_text(blocker.text), blocker)
    replaceable = [b for b in earlier if _same_text(b.text) not in wanted]
    inserted: list[StoredBlocker] = []
    edited: list[StoredBlocker] = []
    for same, blocker in wanted.items():
        if same in known:
            continue
        link = blocker.key_result_id if blocker.key_result_id in owned or blocker.key_result_id is None else None
        if replaceable:
            old = replaceable.pop(0)
            edited.append(StoredBlocker(old.person_id, old.checkin_id, link, blocker.text, BlockerStatus.open.value,
                                        old.created_at, old.id))
        else:
            inserted.append(StoredBlocker(checkin.person_id, checkin.id, link, blocker.text,  # type: ignore[arg-type]
                                          BlockerStatus.open.value, now))
    return inserted, edited


_RECORDED_BEFORE = text(
    "SELECT 'blocker' AS kind, text, id, NULL AS share, status, key_result_id, created_at FROM blocker"
    " WHERE checkin_id = :checkin_id"
    " UNION ALL SELECT 'win', text, id, share, status, key_result_id, NULL FROM win WHERE checkin_id = :checkin_id"
    " ORDER BY 3"
).columns(column("kind"), column("text"), column("id"), column("share"), column("status"), column("key_result_id"),
          column("created_at", _TIME))  # every column named, in order: a Batch reads the rows by name


def _recorded_before(rows: list, checkin: CheckIn | CheckInRow) -> tuple[list[StoredBlocker], list[StoredWin]]:
    """The blockers (oldest first) and the wins a check-in holds already (`_RECORDED_BEFORE`'s rows)."""
    blockers = [StoredBlocker(checkin.person_id, checkin.id, row.key_result_id, row.text, row.status, row.created_at, row.id)
                for row in rows if row.kind == "blocker"]
    wins = [StoredWin(row.id, None, checkin.id, row.key_result_id, row.text, bool(row.share), WinStatus(row.status))
            for row in rows if row.kind == "win"]
    return blockers, wins


def sent_prompt_refs(batch: Batch, keys: Iterable[str]) -> int:
    """Add to `batch` the lookup of the prompts and reminders among these outbox keys that
    went out with a platform message ref, oldest first (one indexed lookup); after the run,
    `batch.rows(index)` are their (id, platform, address, message ref)."""
    keys = list(keys) or [""]
    names = ", ".join(f":key_{n}" for n in range(len(keys)))
    return batch.add(
        _sql(f"SELECT id, platform, address, message_ref FROM delivery WHERE idempotency_key IN ({names})"
             " AND template IN ('checkin_prompt', 'checkin_reminder')"  # deliveries.PROMPT_TEMPLATES
             " AND message_ref IS NOT NULL ORDER BY id"),
        {f"key_{n}": key for n, key in enumerate(keys)},
    )


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
