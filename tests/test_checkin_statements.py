"""A check-in submission costs a small, fixed number of SQL statements in one transaction.

Regression guard for the Slack ack deadline: every statement on SQLite is a round trip to the
driver's thread, so a per-key-result or per-delivery query loop makes submissions slow under
load. Counts, not timings: timing targets live in benchmarks/slack_ingress.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlmodel import select

from bot.fake import FakeChat
from bot.router import Router
from cadences.checkin_messages import prompt_key
from cadences.outbox import delivery_row, enqueue_rows
from storage.db import Database
from storage.models import Blocker, CheckIn, Delivery, Direction, KeyResult, KRUpdate, Objective, Win
from tests.orgchart import ALICE, NOW, make_org, org_config

# identify the sender (1) + BEGIN IMMEDIATE, check-in with cadence and person, key results,
# upsert updates, update key results, insert blockers, insert wins, update the check-in (8)
# + the manager loop's after_checkin reads (3) + the prompts to replace, and their
# checkin_done update when one was sent (1 + 1). Sharing a win or meeting a target adds the
# manager loop's announcement or draft (cadences.wins), per win: not counted here.
STATEMENTS_PER_SUBMISSION = 14


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:
        seen.append(statement.split(None, 2)[0].upper() + " " + statement.split(None, 2)[1])

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


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
                           context={"checkin_id": checkin.id}, platform="slack", address="UALICE", person_id=ids["alice"])
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

    assert len(small_statements) == STATEMENTS_PER_SUBMISSION, small_statements
    assert len(large_statements) == STATEMENTS_PER_SUBMISSION - 1, large_statements  # nothing to replace
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
    # identify + BEGIN IMMEDIATE + the check-in + its key results; then a commit with nothing in it
    assert [s.split()[0] for s in statements] == ["SELECT", "BEGIN", "SELECT", "SELECT"]
    async with db.session() as s:
        assert (await s.exec(select(KRUpdate))).all() == []
        assert (await s.get(CheckIn, chat.last_form.checkin_id)).status == "pending"  # type: ignore[union-attr]
