"""A check-in submission costs a small, fixed number of SQL statements in one transaction.

Regression guard for the Slack ack deadline: every statement on SQLite is a round trip to the
driver's thread, taken while the transaction holds SQLite's one writer lock, so a
per-key-result or per-delivery query loop makes submissions slow under load. Counts, not
timings: timing targets live in benchmarks/slack_ingress.py. Counted is what SQLite itself
executes, so statements sent to the driver directly (storage.driver) count too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlmodel import select

from bot.fake import FakeChat
from bot.platform import FormSubmitted, Sender
from bot.router import Router
from cadences.checkin_messages import prompt_key
from cadences.outbox import delivery_row, enqueue_rows
from storage.db import Database
from storage.models import Blocker, CheckIn, Delivery, Direction, KeyResult, KRUpdate, Objective, ProcessedEvent, Win
from tests.orgchart import ALICE, NOW, make_org, org_config

# Identify the sender, then one transaction: the check-in with its cadence and key results;
# then, sent together (storage.batch.Batch), the prompts to replace, upsert the updates,
# update the key results, insert blockers, insert wins, update the check-in; the prompts'
# checkin_done note when one was sent. Sharing a win or meeting a target adds the manager
# loop's announcement or draft (cadences.wins), per win: not counted here. (Before: 14
# statements, not counting the COMMIT, plus a transaction of its own for a platform's retry key.)
SUBMISSION = [
    "SELECT person", "BEGIN IMMEDIATE", "SELECT checkin",
    "SELECT delivery", "INSERT kr_update", "UPDATE key_result", "INSERT blocker", "INSERT win", "UPDATE checkin",
    "INSERT delivery", "COMMIT",
]


def label(statement: str) -> str:
    """`INSERT INTO win (...)` → "INSERT win"; `WITH v AS (...) UPDATE key_result ...` → "UPDATE key_result"."""
    words = statement.replace("(", " ( ").split()
    upper = [word.upper() for word in words]
    if upper[0] == "WITH":
        at = next(n for n, word in enumerate(upper) if word in ("UPDATE", "INSERT", "DELETE", "SELECT") and n > 0)
        words, upper = words[at:], upper[at:]
    kind = upper[0]
    if kind in ("INSERT", "DELETE"):
        return f"{kind} {words[2]}"
    if kind == "UPDATE":
        return f"UPDATE {words[1]}"
    if kind == "SELECT":
        return f"SELECT {words[upper.index('FROM') + 1]}"
    return " ".join(upper[:2])


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    """Every statement SQLite itself executes (BEGIN and COMMIT included) while inside:
    statements sent through SQLAlchemy and those sent to the driver directly (storage.driver),
    on the session's connections and on the writer thread's (storage.batch.ThreadWriter)."""
    seen: list[str] = []
    active = [True]

    def record(statement: str) -> None:
        if active[0]:
            seen.append(label(statement))

    def trace(dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.run_async(lambda connection: connection.set_trace_callback(record))

    def trace_thread(dbapi_connection, _record, _proxy) -> None:  # the sqlite3 driver's, on the writer's thread
        dbapi_connection.set_trace_callback(record)

    hooks = [(db.engine.sync_engine.pool, trace)]
    if db.thread_writer is not None:  # a submission's transaction (Database.write_on_thread)
        hooks.append((db.thread_writer.engine.pool, trace_thread))
    for pool, hook in hooks:
        event.listen(pool, "checkout", hook)
    try:
        yield seen
    finally:
        active[0] = False
        for pool, hook in hooks:
            event.remove(pool, "checkout", hook)


def filled(form, *, blockers: int, wins: int) -> dict[str, str]:
    """Every key result halfway to its target (a target met adds a draft win: see below)."""
    values = {}
    for n, kr in enumerate(form.key_results):
        halfway = (kr.baseline + kr.target) / 2
        values |= {f"kr.{kr.id}.value": str(halfway), f"kr.{kr.id}.confidence": "6", f"kr.{kr.id}.note": f"note {n}"}
    values |= {f"blocker.{n}.text": f"Blocked on thing {n}" for n in range(1, blockers + 1)}
    values |= {f"win.{n}.text": f"Won thing {n}" for n in range(1, wins + 1)}
    values |= {f"reflection.{n}": f"Thought {n}" for n in range(1, len(form.questions) + 1)}
    return values


async def test_a_checkin_is_stored_with_the_same_few_statements_however_many_answers_it_has(db: Database) -> None:
    ids = await make_org(db)
    chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))

    await chat.say(ALICE, "checkin")
    small = chat.last_form
    async with db.transaction() as s:  # the weekly prompt went out on Slack, so it gets replaced
        checkin = await s.get(CheckIn, small.checkin_id)
        row = delivery_row(key=prompt_key(checkin.person_id, checkin.cadence_id, checkin.period), template="checkin_prompt",
                           context={"checkin_id": checkin.id}, platform="slack", address="UALICE", person_id=ids["alice"], now=NOW)
        await enqueue_rows(s, [{**row, "status": "sent", "message_ref": "D1:1.1"}])
    with counting(db) as small_statements:
        reply = await chat.submit(ALICE, filled(small, blockers=1, wins=1), form=small)
    assert reply.startswith("Recorded your check-in")

    async with db.transaction() as s:  # eight more key results for the monthly check-in (no prompt sent)
        objective = (await s.exec(select(Objective).where(Objective.owner_person_id == ids["alice"]))).one()
        s.add_all([KeyResult(key=f"extra-{n}", objective_id=objective.id, title=f"Extra {n}", owner_id=ids["alice"],  # type: ignore[arg-type]
                             unit="", baseline=0, target=10, direction=Direction.increase) for n in range(8)])
    await chat.say(ALICE, "checkin monthly")
    large = chat.last_form
    assert len(large.key_results) == 10 and large.questions
    with counting(db) as large_statements:
        await chat.submit(ALICE, filled(large, blockers=3, wins=3), form=large)

    assert small_statements == SUBMISSION
    assert large_statements == [s for s in SUBMISSION if s != "INSERT delivery"]  # no prompt to replace
    async with db.session() as s:
        assert len((await s.exec(select(KRUpdate))).all()) == 12
        assert len((await s.exec(select(Blocker))).all()) == 4
        assert len((await s.exec(select(Win))).all()) == 4
        assert [d.replaces_ref for d in (await s.exec(select(Delivery).where(Delivery.template == "checkin_done"))).all()] == ["D1:1.1"]


async def test_an_invalid_checkin_writes_nothing_and_reads_only_what_the_form_needs(db: Database) -> None:
    ids = await make_org(db)
    chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))
    await chat.say(ALICE, "checkin")
    with counting(db) as statements:
        reply = await chat.submit(ALICE, {f"kr.{ids['activation']}.value": "lots"})
    assert f"kr.{ids['activation']}.value: the value is a number %, like 40; you typed 'lots'" in reply.splitlines()
    # identify + BEGIN IMMEDIATE + the check-in with its key results; then a commit with nothing in it
    assert statements == ["SELECT person", "BEGIN IMMEDIATE", "SELECT checkin", "COMMIT"]
    async with db.session() as s:
        assert (await s.exec(select(KRUpdate))).all() == []
        assert (await s.get(CheckIn, chat.last_form.checkin_id)).status == "pending"  # type: ignore[union-attr]


async def test_a_platform_retry_key_is_stored_in_the_same_transaction_as_the_answers(db: Database) -> None:
    ids = await make_org(db)
    router = Router(org_config(), db, clock=lambda: NOW)
    chat = FakeChat(router)
    await chat.say(ALICE, "checkin")
    form = chat.last_form
    event = FormSubmitted(Sender("slack", "UALICE"), "checkin", filled(form, blockers=1, wins=1),
                          {"checkin_id": str(form.checkin_id)}, once_key="slack:view:V1:abc")
    with counting(db) as statements:
        [reply] = await router.dispatch(event)
    assert reply.template == "checkin_recorded"
    assert statements == ["SELECT person", "BEGIN IMMEDIATE", "SELECT checkin", "INSERT processed_event",
                          *SUBMISSION[3:9], "COMMIT"]  # one commit for the key and the answers
    with counting(db) as statements:
        assert await router.dispatch(event) == []  # Slack's retry: nothing stored again, nothing said again
    # The copy's statements go with the key's (the answered check-in's texts are read first),
    # and the key found already recorded rolls all of them back.
    assert statements == ["SELECT person", "BEGIN IMMEDIATE", "SELECT checkin", "SELECT blocker", "INSERT processed_event",
                          "SELECT delivery", "INSERT kr_update", "UPDATE key_result", "UPDATE checkin", "ROLLBACK"]
    async with db.session() as s:
        assert len((await s.exec(select(Win))).all()) == 1
        assert [(e.source, e.event_key) for e in (await s.exec(select(ProcessedEvent))).all()] == [("slack", "slack:view:V1:abc")]
