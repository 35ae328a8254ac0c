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
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.driver import Batch, Driver
from storage.models import (
    BlockerStatus,
    Cadence,
    CheckIn,
    CheckInStatus,
    Direction,
    KeyResult,
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


_ANSWER_TARGET = (
    "SELECT c.person_id, c.cadence_id, c.period, c.status, c.reminders_sent, c.reflections, c.answered_at,"
    " cd.name, cd.every, cd.questions,"
    " kr.id, kr.\"key\", kr.title, kr.unit, kr.baseline, kr.target, kr.current, kr.confidence, kr.direction,"
    " kr.objective_id, o.period, oc.id"
    " FROM checkin AS c JOIN cadence AS cd ON cd.id = c.cadence_id"
    " LEFT JOIN key_result AS kr ON kr.owner_id = c.person_id"
    " LEFT JOIN objective AS o ON o.id = kr.objective_id"
    " LEFT JOIN outcome AS oc ON oc.id = o.outcome_id"
    " WHERE c.id = ? ORDER BY oc.\"key\", o.id, kr.\"key\""
)  # outer joins so a person without key results still gets the row; each uses an index


async def checkin_for_answers(
    session: AsyncSession, checkin_id: int, *, on: Callable[[str], date]
) -> AnswerTarget | None:
    """The check-in, its cadence and its owner's key results in one statement, the check-in
    locked for this transaction (PostgreSQL `FOR UPDATE`; on SQLite `Database.transaction()`
    holds the write lock already). `on(period)` is the day whose OKR period counts (see
    `okrs.current_only`): key results are ordered as `okrs.key_results_of` orders them."""
    driver = await Driver.of(session)
    rows = await driver.rows(_ANSWER_TARGET + (" FOR UPDATE OF c" if driver.postgres else ""), (checkin_id,))
    if not rows:
        return None
    first = rows[0]
    checkin = CheckInRow(checkin_id, first[0], first[1], first[2], first[3], first[4] or 0,
                         driver.read_json(first[5]) or {}, driver.read_time(first[6]))
    cadence = CadenceRow(first[1], first[7], first[8], driver.read_json(first[9]) or [])
    owned = [row for row in rows if row[21] is not None]  # a key result with its objective and outcome
    owned = current_only(owned, on(checkin.period), period=lambda row: row[20])
    key_results = [KeyResultRow(*row[10:18], Direction(row[18]), row[19], first[0]) for row in owned]
    return AnswerTarget(checkin, cadence, key_results)


def _values(rows: int, columns: int, casts: tuple[str, ...] = ()) -> str:
    one = "(" + ", ".join(f"CAST(? AS {cast})" if cast else "?" for cast in (casts or ("",) * columns)) + ")"
    return ", ".join([one] * rows)


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
    wins, sent to the driver together (storage.driver.Batch: on SQLite one wait for its
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
    row = checkin
    driver = batch.driver if batch is not None else await Driver.of(session)
    batch = batch if batch is not None else driver.batch()
    first_time = row.status != CheckInStatus.answered
    recorded = RecordedCheckIn(row, first_time)

    kr_answers = list(answers.key_results)
    if key_results is None:
        ids = [a.key_result_id for a in kr_answers]
        key_results = {kr.id: kr for kr in (await session.exec(select(KeyResult).where(KeyResult.id.in_(ids)))).all()} if ids else {}  # type: ignore[union-attr,misc]
    owned = {kr_id: kr for kr_id, kr in key_results.items() if kr.owner_id == row.person_id}
    # A key result deleted or re-owned since the form was shown is skipped.
    kr_answers = list({a.key_result_id: a for a in kr_answers if a.key_result_id in owned}.values())
    if kr_answers:
        stamp = driver.time(now)
        batch.add(
            "INSERT INTO kr_update (checkin_id, key_result_id, value, confidence, note, created_at) VALUES "
            + _values(len(kr_answers), 6)
            + " ON CONFLICT (checkin_id, key_result_id) DO UPDATE"
            " SET value = excluded.value, confidence = excluded.confidence, note = excluded.note",
            [v for a in kr_answers for v in (row.id, a.key_result_id, a.value, a.confidence, a.note, stamp)],
        )
        batch.add(
            "WITH v (id, value, confidence) AS (VALUES "
            + _values(len(kr_answers), 3, ("INTEGER", "DOUBLE PRECISION", "INTEGER"))
            + ") UPDATE key_result SET current = v.value, confidence = v.confidence, updated_at = ?"
            " FROM v WHERE key_result.id = v.id",
            [*(v for a in kr_answers for v in (a.key_result_id, a.value, a.confidence)), stamp],
        )
        for a in kr_answers:
            kr = owned[a.key_result_id]
            for name, value in (("current", a.value), ("confidence", a.confidence), ("updated_at", now)):
                _set(kr, name, value)
            recorded.key_results.append(kr)

    earlier_blockers: list[StoredBlocker] = []
    if not first_time:
        earlier_blockers, recorded.earlier_wins = await _recorded_before(driver, row)  # type: ignore[arg-type]
    blocker_rows, blocker_edits = _blocker_changes(answers.blockers, earlier_blockers, row, owned, now)
    if blocker_rows:
        batch.add(
            "INSERT INTO blocker (person_id, checkin_id, key_result_id, text, status, created_at) VALUES "
            + _values(len(blocker_rows), 6),
            [v for b in blocker_rows for v in (b.person_id, b.checkin_id, b.key_result_id, b.text, b.status,
                                               driver.time(now))],
        )
    if blocker_edits:
        # An edited blocker keeps its id and age; what the manager acknowledged or resolved
        # was other words, so it is open again (README: "Changing a check-in").
        batch.add(
            "WITH v (id, text, key_result_id) AS (VALUES "
            + _values(len(blocker_edits), 3, ("INTEGER", "VARCHAR", "INTEGER"))
            + ") UPDATE blocker SET text = v.text, key_result_id = v.key_result_id, status = ?,"
            " acknowledged_at = NULL, resolved_at = NULL FROM v WHERE blocker.id = v.id",
            [*(v for b in blocker_edits for v in (b.id, b.text, b.key_result_id)), BlockerStatus.open.value],
        )
    recorded.new_blockers = blocker_rows + blocker_edits
    resolved = list(getattr(answers, "resolved_blockers", ()))
    if resolved:  # earlier blockers marked resolved in the form; only the person's own change
        batch.add(
            f"UPDATE blocker SET status = ?, resolved_at = ? WHERE person_id = ? AND status != ?"
            f" AND id IN ({', '.join('?' * len(resolved))})",
            [BlockerStatus.resolved.value, driver.time(now), row.person_id, BlockerStatus.resolved.value, *resolved],
        )

    win_rows, win_edits = win_changes(answers.wins, recorded.earlier_wins, row, owned, now)
    if win_rows:
        inserted = batch.add(
            "INSERT INTO win (person_id, checkin_id, key_result_id, text, share, status, created_at) VALUES "
            + _values(len(win_rows), 7) + " RETURNING text, id",
            [v for w in win_rows for v in (w["person_id"], w["checkin_id"], w["key_result_id"], w["text"], w["share"],
                                           w["status"], driver.time(now))],
        )
    if win_edits:
        batch.add(
            "WITH v (id, text, share, key_result_id, status) AS (VALUES "
            + _values(len(win_edits), 5, ("INTEGER", "VARCHAR", "BOOLEAN", "INTEGER", "VARCHAR"))
            + ") UPDATE win SET text = v.text, share = v.share, key_result_id = v.key_result_id, status = v.status"
            " FROM v WHERE win.id = v.id",
            [v for w in win_edits for v in (w.id, w.text, w.share, w.key_result_id, w.status)],
        )
    recorded.edited_wins = win_edits

    reflections = {**(row.reflections or {}), **dict(answers.reflections)}
    answered_at = row.answered_at or now
    batch.add(
        "UPDATE checkin SET reflections = ?, status = ?, answered_at = ?, next_action_at = NULL WHERE id = ?",
        (driver.json(reflections), CheckInStatus.answered.value, driver.time(answered_at), row.id),
    )
    await batch.run()
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


async def _recorded_before(driver: Driver, checkin: CheckIn | CheckInRow) -> tuple[list[StoredBlocker], list[StoredWin]]:
    """The blockers (oldest first) and the wins a check-in holds already, in one statement."""
    rows = await driver.rows(
        "SELECT 'blocker', text, id, NULL, status, key_result_id, created_at FROM blocker WHERE checkin_id = ?"
        " UNION ALL SELECT 'win', text, id, share, status, key_result_id, NULL FROM win WHERE checkin_id = ? ORDER BY 3",
        (checkin.id, checkin.id),
    )
    blockers = [StoredBlocker(checkin.person_id, checkin.id, kr_id, text, status, driver.read_time(created), blocker_id)
                for kind, text, blocker_id, _, status, kr_id, created in rows if kind == "blocker"]
    wins = [StoredWin(win_id, None, checkin.id, kr_id, text, bool(share), WinStatus(status))
            for kind, text, win_id, share, status, kr_id, _ in rows if kind == "win"]
    return blockers, wins


def sent_prompt_refs(batch: Batch, keys: Iterable[str]) -> int:
    """Add to `batch` the lookup of the prompts and reminders among these outbox keys that
    went out with a platform message ref, oldest first (one indexed lookup); after the run,
    `batch.rows(index)` are their (id, platform, address, message ref)."""
    wanted = list(keys) or [""]
    templates = ("checkin_prompt", "checkin_reminder")  # storage.repositories.deliveries.PROMPT_TEMPLATES
    return batch.add(
        f"SELECT id, platform, address, message_ref FROM delivery WHERE idempotency_key IN ({', '.join('?' * len(wanted))})"
        f" AND template IN ({', '.join('?' * len(templates))}) AND message_ref IS NOT NULL ORDER BY id",
        [*wanted, *templates],
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
