"""Repository queries on SQLite and PostgreSQL: the org tree, check-ins recorded once."""

from __future__ import annotations


import pytest
from sqlmodel import select

from bot.checkin_form import BlockerAnswer, CheckInAnswers, KRAnswer, WinAnswer
from cadences.registry import sync_cadences
from storage.db import Database
from storage.models import Blocker, CheckIn, KeyResult, KRUpdate, ProcessedEvent, Win
from storage.repositories.checkins import get_or_create_checkin, record_checkin
from storage.repositories.people import all_reports, direct_reports, manager_chain, person_by_email
from tests.orgchart import ALICE, CORA, MAYA, NOW, make_org, org_config


async def test_manager_chain_and_reports_follow_the_org_chart(any_db: Database) -> None:
    await make_org(any_db)
    async with any_db.session() as s:
        alice, cora, maya = [await person_by_email(s, email) for email in (ALICE, CORA, MAYA)]
        assert [p.email for p in await manager_chain(s, alice)] == [MAYA, CORA]
        assert [p.name for p in await direct_reports(s, cora)] == ["Maya", "Oscar"]
        assert [p.name for p in await all_reports(s, cora)] == ["Alice", "Bob", "Maya", "Oscar", "Sam"]
        assert await all_reports(s, alice) == []


async def test_recording_the_same_answers_twice_writes_them_once(any_db: Database) -> None:
    ids = await make_org(any_db)
    async with any_db.transaction() as s:
        alice = await person_by_email(s, ALICE)
        cadence = (await sync_cadences(s, org_config().cadences))["weekly"]
        checkin = await get_or_create_checkin(s, person=alice, cadence=cadence, period="2026-W48")
        assert (await get_or_create_checkin(s, person=alice, cadence=cadence, period="2026-W48")).id == checkin.id
    answers = CheckInAnswers(
        checkin.id,
        (KRAnswer(ids["onboarding-days"], 21, 7, "note"), KRAnswer(ids["first-reply-hours"], 1, 1)),  # Bob's KR: ignored
        (BlockerAnswer("SSO", ids["onboarding-days"]),),
        (WinAnswer("Acme live", True),),
    )
    for _ in range(2):
        async with any_db.transaction() as s:
            recorded = await record_checkin(s, checkin, answers, NOW)
    assert recorded.first_time is False
    async with any_db.session() as s:
        assert [(u.key_result_id, u.value) for u in (await s.exec(select(KRUpdate))).all()] == [(ids["onboarding-days"], 21)]
        assert len((await s.exec(select(Blocker))).all()) == 1
        assert [(w.status, w.share) for w in (await s.exec(select(Win))).all()] == [("approved", True)]


async def test_a_check_in_submitted_twice_through_the_router_is_stored_once_on_either_database(any_db: Database) -> None:
    """The submission path's own statements (storage.driver) on SQLite and PostgreSQL: the
    form read back with the key results in order, answers stored, an update changing values
    in place and adding only what is new, the retry key recorded once."""
    from bot.fake import FakeChat
    from bot.platform import FormSubmitted, Sender
    from bot.router import Router

    ids = await make_org(any_db)
    router = Router(org_config(), any_db, clock=lambda: NOW)
    chat = FakeChat(router)
    await chat.say(ALICE, "checkin")
    form = chat.last_form
    assert [kr.key for kr in form.key_results] == ["activation", "onboarding-days"]
    days, activation = ids["onboarding-days"], ids["activation"]
    values = {f"kr.{days}.value": "21", f"kr.{days}.confidence": "7", f"kr.{days}.note": "two live",
              f"kr.{activation}.value": "48", f"kr.{activation}.confidence": "6",
              "blocker.1.text": "SSO", "blocker.1.kr": str(days), "win.1.text": "Acme live", "win.1.share": "yes"}
    event = FormSubmitted(Sender("fake", ALICE), "checkin", values, {"checkin_id": str(form.checkin_id)}, once_key="fake:1")
    [first] = await router.dispatch(event)
    assert first.template == "checkin_recorded" and first.context["updated"] is False
    assert await router.dispatch(event) == []  # the same delivery again
    changed = {**values, f"kr.{activation}.value": "52", "blocker.2.text": "Legal review", "win.2.text": "Playbook written"}
    [second] = await router.dispatch(FormSubmitted(Sender("fake", ALICE), "checkin", changed, {"checkin_id": str(form.checkin_id)},
                                                   once_key="fake:2"))
    assert second.context["updated"] is True
    assert second.context["blockers"] == ["Legal review"] and [w["text"] for w in second.context["wins"]] == ["Playbook written"]
    async with any_db.session() as s:
        assert sorted((u.key_result_id, u.value, u.note) for u in (await s.exec(select(KRUpdate))).all()) == sorted(
            [(days, 21.0, "two live"), (activation, 52.0, "")])
        assert sorted(b.text for b in (await s.exec(select(Blocker))).all()) == ["Legal review", "SSO"]
        assert sorted((w.text, w.status) for w in (await s.exec(select(Win))).all()) == [
            ("Acme live", "approved"), ("Playbook written", "private")]
        activation_kr = await s.get(KeyResult, activation)
        assert (activation_kr.current, activation_kr.confidence) == (52.0, 6)
        checkin = await s.get(CheckIn, form.checkin_id)
        assert checkin.status == "answered" and checkin.answered_at == NOW and checkin.next_action_at is None
        assert len((await s.exec(select(ProcessedEvent))).all()) == 2


async def test_statements_sent_together_run_in_order_and_a_failure_rolls_all_of_them_back(any_db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from sqlalchemy import bindparam, text

    from storage.driver import Driver
    from storage.models import ProcessedEvent

    def inserting(tail: str = ""):
        return text("INSERT INTO processed_event (source, event_key, received_at) VALUES (:source, :key, :at)" + tail
                    ).bindparams(bindparam("at", type_=ProcessedEvent.__table__.c.received_at.type))

    insert = inserting()

    async with any_db.transaction() as s:
        batch = (await Driver.of(s)).batch()
        first = batch.add(inserting(" RETURNING id"),
                          {"source": "test", "key": "k1", "at": NOW})
        seen = batch.add(text("SELECT event_key FROM processed_event ORDER BY id"))
        await batch.run()
        assert len(batch.rows(first)) == 1 and batch.rows(seen) == [("k1",)]  # the second saw the first
    with pytest.raises(IntegrityError):
        async with any_db.transaction() as s:
            batch = (await Driver.of(s)).batch()
            batch.add(insert, {"source": "test", "key": "k2", "at": NOW})
            batch.add(insert, {"source": "test", "key": "k1", "at": NOW})
            await batch.run()
    async with any_db.session() as s:
        assert [e.event_key for e in (await s.exec(select(ProcessedEvent))).all()] == ["k1"]  # k2 rolled back with the failure
