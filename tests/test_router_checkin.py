"""`checkin` through the router: the form, validation, storing once, monthly reflections."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.checkin_form import CheckInForm
from bot.fake import FakeChat
from bot.platform import FormRejected, ShowForm
from bot.router import Router
from cadences.checkin_messages import prompt_key, reminder_key
from cadences.outbox import delivery_row, enqueue_rows
from storage.db import Database
from storage.models import Blocker, CheckIn, Delivery, KeyResult, KRUpdate, Win
from tests.orgchart import ALICE, BOB, MAYA, NOW, make_org, org_config


@pytest.fixture
async def ids(db: Database) -> dict[str, int]:
    return await make_org(db)


@pytest.fixture
def chat(db: Database, ids) -> FakeChat:
    return FakeChat(Router(org_config(), db, clock=lambda: NOW))


def answers(ids: dict[str, int], **extra: str) -> dict[str, str]:
    return {
        f"kr.{ids['onboarding-days']}.value": "21",
        f"kr.{ids['onboarding-days']}.confidence": "7",
        f"kr.{ids['onboarding-days']}.note": "two accounts live early",
        f"kr.{ids['activation']}.value": "48",
        f"kr.{ids['activation']}.confidence": "6",
        "blocker.1.text": "Waiting for SSO access from IT",
        "blocker.1.kr": str(ids["onboarding-days"]),
        "win.1.text": "Acme went live in 9 days",
        "win.1.share": "yes",
        "win.2.text": "Wrote the onboarding playbook",
        **extra,
    }


async def stored(db: Database):
    async with db.session() as s:
        return (
            (await s.exec(select(CheckIn))).all(),
            (await s.exec(select(KRUpdate).order_by(KRUpdate.key_result_id))).all(),
            (await s.exec(select(Blocker))).all(),
            (await s.exec(select(Win).order_by(Win.id))).all(),
            {kr.key: kr for kr in (await s.exec(select(KeyResult))).all()},
        )


async def test_checkin_opens_the_weekly_form_for_this_week_in_my_timezone(chat: FakeChat, ids) -> None:
    assert await chat.say(ALICE, "checkin") == "[check-in form for week 48 of 2026: activation, onboarding-days]"
    [intent] = chat.intents
    assert isinstance(intent, ShowForm) and isinstance(intent.form, CheckInForm)
    assert intent.form.kind == "week" and intent.form.period == "2026-W48" and intent.form.questions == ()


async def test_week_is_computed_in_the_persons_own_timezone(db: Database, ids) -> None:
    from datetime import datetime, timezone

    # Monday 03:00 UTC is still Sunday night (week 48) in New York, already week 49 in Berlin.
    monday_early = datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)
    chat = FakeChat(Router(org_config(), db, clock=lambda: monday_early))
    assert "week 48 of 2026" in await chat.say(BOB, "checkin")
    assert "week 49 of 2026" in await chat.say(ALICE, "checkin")


async def test_submitted_checkin_lands_in_the_database_in_one_go(chat: FakeChat, db: Database, ids) -> None:
    await chat.say(ALICE, "checkin")
    reply = await chat.submit(ALICE, answers(ids))
    assert reply.startswith("Recorded your check-in for week 48 of 2026, thank you Alice.")
    assert "🎉 Win: Acme went live in 9 days (shared with your team)" in reply
    assert "🎉 Win: Wrote the onboarding playbook (kept private)" in reply
    checkins, updates, blockers, wins, krs = await stored(db)
    [checkin] = checkins
    assert (checkin.status, checkin.answered_at, checkin.period) == ("answered", NOW, "2026-W48")
    assert [(u.key_result_id, u.value, u.confidence, u.note) for u in updates] == [
        (ids["onboarding-days"], 21.0, 7, "two accounts live early"),
        (ids["activation"], 48.0, 6, ""),
    ]
    assert [(b.text, b.key_result_id, b.status) for b in blockers] == [
        ("Waiting for SSO access from IT", ids["onboarding-days"], "open")
    ]
    assert [(w.text, w.status, w.share) for w in wins] == [
        ("Acme went live in 9 days", "approved", True),
        ("Wrote the onboarding playbook", "private", False),
    ]
    assert (krs["onboarding-days"].current, krs["onboarding-days"].confidence, krs["onboarding-days"].updated_at) == (21, 7, NOW)
    assert krs["first-reply-hours"].current is None


async def test_a_retried_submission_is_recorded_once(chat: FakeChat, db: Database, ids) -> None:
    await chat.say(ALICE, "checkin")
    await chat.submit(ALICE, answers(ids))
    again = await chat.submit(ALICE, answers(ids))
    assert again.startswith("Updated your check-in for week 48 of 2026")
    _, updates, blockers, wins, _ = await stored(db)
    assert (len(updates), len(blockers), len(wins)) == (2, 1, 2)


async def test_concurrent_copies_of_one_submission_are_recorded_once(db: Database, ids) -> None:
    import asyncio

    router = Router(org_config(), db, clock=lambda: NOW)
    chat = FakeChat(router)
    await chat.say(ALICE, "checkin")
    from bot.platform import FormSubmitted, Sender

    event = FormSubmitted(Sender("fake", ALICE), "checkin", answers(ids), {"checkin_id": str(chat.last_form.checkin_id)})
    results = await asyncio.gather(*(router.dispatch(event) for _ in range(3)))
    assert all(result[0].template == "checkin_recorded" for result in results)  # type: ignore[union-attr]
    _, updates, blockers, wins, _ = await stored(db)
    assert (len(updates), len(blockers), len(wins)) == (2, 1, 2)


async def test_checkin_again_opens_the_submitted_answers_and_saving_changes_values_in_place(
        chat: FakeChat, db: Database, ids) -> None:
    await chat.say(ALICE, "checkin")
    await chat.submit(ALICE, answers(ids))
    await chat.verify_dialog(
        ALICE,
        [("checkin", "[check-in form for week 48 of 2026 (your answers, to edit): activation, onboarding-days]")],
    )
    prefill = chat.last_form.prefill
    assert prefill[f"kr.{ids['onboarding-days']}.value"] == "21" and prefill[f"kr.{ids['activation']}.confidence"] == "6"
    assert (prefill["blocker.1.text"], prefill["blocker.1.kr"]) == ("Waiting for SSO access from IT", str(ids["onboarding-days"]))
    assert (prefill["win.1.text"], prefill["win.1.share"], prefill["win.2.share"]) == ("Acme went live in 9 days", "true", "false")
    assert await chat.say(ALICE, "checkin weekly update") == "[check-in form for week 48 of 2026 (your answers, to edit): activation, onboarding-days]"
    await chat.submit(ALICE, answers(ids, **{f"kr.{ids['activation']}.value": "52"}))
    checkins, updates, _, _, krs = await stored(db)
    assert len(checkins) == 1
    assert [u.value for u in updates] == [21.0, 52.0]
    assert krs["activation"].current == 52


async def test_invalid_answers_come_back_with_messages_and_the_typed_text(chat: FakeChat, db: Database, ids) -> None:
    await chat.say(ALICE, "checkin")
    typed = answers(ids, **{f"kr.{ids['activation']}.confidence": "high", f"kr.{ids['activation']}.value": "lots"})
    reply = await chat.submit(ALICE, typed)
    [rejected] = chat.intents
    assert isinstance(rejected, FormRejected) and rejected.values == typed
    assert f"kr.{ids['activation']}.confidence: confidence is a whole number from 0 to 10; you typed 'high'" in reply
    assert f"kr.{ids['activation']}.value: the value is a number %, like 40; you typed 'lots'" in reply
    checkins, updates, blockers, wins, _ = await stored(db)
    assert checkins[0].status == "pending" and (updates, blockers, wins) == ([], [], [])


async def test_nobody_can_submit_or_open_someone_elses_checkin(chat: FakeChat, db: Database, ids) -> None:
    await chat.say(ALICE, "checkin")
    form = chat.last_form
    assert await chat.submit(BOB, answers(ids), form=form) == "Sorry, that isn't yours to open. Type `checkin` to open your own check-in."
    assert (await chat.click(MAYA, "checkin.start", str(form.checkin_id))).startswith("Sorry, that isn't yours")
    assert (await chat.click(MAYA, "checkin.start", "not-a-number")).startswith("Sorry, that isn't yours")
    checkins, updates, *_ = await stored(db)
    assert checkins[0].status == "pending" and updates == []


async def test_monthly_checkin_from_its_prompt_button_asks_and_stores_reflections(chat: FakeChat, db: Database, ids) -> None:
    assert "November 2026" in await chat.say(ALICE, "checkin monthly")
    monthly = chat.last_form
    reply = await chat.click(ALICE, "checkin.start", str(monthly.checkin_id))
    assert reply == "[check-in form for November 2026: activation, onboarding-days; 2 reflection questions]"
    assert chat.last_form.kind == "month"
    question = chat.last_form.questions[0]
    assert question.startswith("Which outcome moved most this month")
    reply = await chat.submit(ALICE, answers(ids, **{"reflection.1": "Retention: teams onboard themselves", "reflection.2": ""}))
    assert "Reflections saved: 1." in reply
    [checkin], *_ = await stored(db)
    assert checkin.reflections == {question: "Retention: teams onboard themselves"}
    assert (await chat.click(ALICE, "checkin.start", str(monthly.checkin_id))).startswith(
        "[check-in form for November 2026 (your answers, to edit)")
    assert chat.last_form.prefill["reflection.1"] == "Retention: teams onboard themselves"


async def test_answering_replaces_the_sent_prompt_and_reminder_with_a_done_note(chat: FakeChat, db: Database, ids) -> None:
    await chat.say(ALICE, "checkin")
    checkin_id = chat.last_form.checkin_id
    async with db.transaction() as s:
        checkin = await s.get(CheckIn, checkin_id)
        where = (checkin.person_id, checkin.cadence_id, checkin.period)
        sent = [
            (prompt_key(*where), "checkin_prompt", "D1:1700.1"),
            (reminder_key(*where, 1), "checkin_reminder", "D1:1800.1"),
            (f"other:{checkin_id}", "checkin_prompt", "D1:1900.1"),  # not this check-in's prompt
        ]
        await enqueue_rows(s, [
            {**delivery_row(key=key, template=template, context={"checkin_id": checkin_id}, platform="slack",
                            address="UALICE", person_id=ids["alice"], now=NOW), "status": "sent", "message_ref": ref}
            for key, template, ref in sent
        ])
    await chat.submit(ALICE, answers(ids))
    await chat.submit(ALICE, answers(ids))
    async with db.session() as s:
        done = (await s.exec(select(Delivery).where(Delivery.template == "checkin_done").order_by(Delivery.id))).all()
    assert [(d.platform, d.address, d.replaces_ref, d.context["period_label"]) for d in done] == [
        ("slack", "UALICE", "D1:1700.1", "week 48 of 2026"),
        ("slack", "UALICE", "D1:1800.1", "week 48 of 2026"),
    ]


async def test_editing_a_blocker_in_checkin_update_replaces_it_instead_of_adding_a_second(chat: FakeChat, db: Database, ids) -> None:
    await chat.say(ALICE, "checkin")
    await chat.submit(ALICE, answers(ids))
    [before] = (await stored(db))[2]
    await chat.say(ALICE, "checkin weekly update")
    reply = await chat.submit(ALICE, answers(ids, **{"blocker.1.text": "Waiting for SSO access from IT, ticket 4411"}))
    assert reply.startswith("Updated your check-in for week 48 of 2026")
    [after] = (await stored(db))[2]
    assert (after.id, after.text, after.status) == (before.id, "Waiting for SSO access from IT, ticket 4411", "open")
    assert (after.key_result_id, after.created_at) == (before.key_result_id, before.created_at)
    mine = await chat.say(ALICE, "blockers")
    assert "ticket 4411" in mine and mine.count("Waiting for SSO access from IT") == 1


@pytest.fixture
async def both_db(any_db_url: str):
    database = Database(any_db_url)
    yield database
    await database.dispose()


async def test_update_keeps_an_acknowledged_blocker_unless_its_text_changes_then_the_manager_sees_it_again(
    both_db: Database,
) -> None:
    db = both_db
    ids = await make_org(db)
    chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))
    await chat.say(ALICE, "checkin")
    await chat.submit(ALICE, answers(ids, **{"blocker.2.text": "No staging database"}))
    sso, staging = sorted((await stored(db))[2], key=lambda b: b.id)
    assert "Acknowledged" in await chat.say(MAYA, f"ack {sso.id}")
    assert "Resolved" in await chat.say(MAYA, f"resolve {staging.id}")

    await chat.say(ALICE, "checkin weekly update")  # same blockers, a new value: nothing about them changes
    await chat.submit(ALICE, answers(ids, **{"blocker.2.text": "no staging  database", f"kr.{ids['activation']}.value": "50"}))
    assert [(b.id, b.status) for b in sorted((await stored(db))[2], key=lambda b: b.id)] == [(sso.id, "acknowledged"), (staging.id, "resolved")]

    await chat.say(ALICE, "checkin weekly update")  # the acknowledged one reworded, a third one added
    await chat.submit(ALICE, answers(ids, **{"blocker.1.text": "SSO access from IT still missing",
                                              "blocker.2.text": "No staging database", "blocker.3.text": "Demo data expired"}))
    blockers = sorted((await stored(db))[2], key=lambda b: b.id)
    assert [(b.id, b.text, b.status, b.acknowledged_at) for b in blockers[:2]] == [
        (sso.id, "SSO access from IT still missing", "open", None),
        (staging.id, "No staging database", "resolved", None),
    ]
    assert [(b.text, b.status) for b in blockers[2:]] == [("Demo data expired", "open")]

    await chat.say(ALICE, "checkin weekly update")  # a blocker left out of an update is kept
    await chat.submit(ALICE, answers(ids, **{"blocker.1.text": ""}))
    assert len((await stored(db))[2]) == 3
