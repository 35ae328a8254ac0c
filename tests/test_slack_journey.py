"""From a scheduled prompt in a Slack DM to a stored check-in, through the real endpoint."""

from __future__ import annotations

import json

from sqlmodel import select

from cadences.outbox import enqueue_for_person
from storage.models import Blocker, CheckIn, CheckInStatus, KRUpdate, Person, Win
from storage.repositories.checkins import get_or_create_checkin
from cadences.registry import sync_cadences
from tests.orgchart import NOW
from tests.slack_harness import SlackRig, inputs_of, rig  # noqa: F401
from tests.slack_requests import typed


async def prompt_alice(rig: SlackRig) -> int:
    """What the planner does at 09:00: a check-in row and a prompt in the outbox."""
    async with rig.db.transaction() as session:
        cadence = (await sync_cadences(session, rig.bot.config.cadences))["weekly"]
        alice = (await session.exec(select(Person).where(Person.slack_user_id == "UALICE"))).one()
        checkin = await get_or_create_checkin(session, person=alice, cadence=cadence, period="2026-W48")
        checkin.status = CheckInStatus.prompted
        checkin.prompted_at = NOW
        session.add(checkin)
        await enqueue_for_person(session, alice, key=f"prompt:{checkin.id}", template="checkin_prompt", context={
            "checkin_id": checkin.id, "person": {"name": alice.name, "email": alice.email}, "cadence": "weekly",
            "kind": "week", "period": "2026-W48", "period_label": "week 48 of 2026", "reminder": False,
            "key_results": [],
        })
        return checkin.id  # type: ignore[return-value]


def good_answers(ids: dict[str, int]) -> dict[str, dict]:
    days, activation = ids["onboarding-days"], ids["activation"]
    return {
        f"kr.{days}.value": typed("number_input", "21"),
        f"kr.{days}.confidence": typed("static_select", "7"),
        f"kr.{days}.note": typed("plain_text_input", "two accounts live early"),
        f"kr.{activation}.value": typed("number_input", "48"),
        f"kr.{activation}.confidence": typed("static_select", "6"),
        f"kr.{activation}.note": typed("plain_text_input", None),
        "blocker.1.text": typed("plain_text_input", "Waiting for SSO <!channel>"),
        "blocker.1.kr": typed("static_select", str(days)),
        "blocker.2.kr": typed("static_select", "none"),
        "win.1.text": typed("plain_text_input", "Acme went live in 9 days"),
        "win.1.share": typed("checkboxes", "true"),
    }


async def test_prompt_button_modal_submission_stores_the_check_in_and_marks_the_prompt_done(rig: SlackRig) -> None:
    checkin_id = await prompt_alice(rig)
    [prompt] = await rig.send_outbox()
    posted = rig.fake.calls_to("chat.postMessage")[0]
    assert posted.args["channel"] == "UALICE" and prompt.message_ref == "DALICE:1700000000.000001"
    button = next(e for b in posted.args["blocks"] if b["type"] == "actions" for e in b["elements"])

    response = await rig.click("UALICE", button["action_id"], button["value"], response_url=rig.fake.response_url("btn"))
    assert response.status == 200
    [opened] = await rig.fake.wait_for("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "checkin" and json.loads(view["private_metadata"])["checkin_id"] == str(checkin_id)
    assert f"kr.{rig.ids['onboarding-days']}.value" in inputs_of(view)

    view = {**view, "id": "V0MODAL1", "hash": "h1"}
    response = await rig.submit("UALICE", view, good_answers(rig.ids))
    assert response.status == 200 and (await response.text()) == ""  # ack = close the modal, after the commit
    async with rig.db.session() as session:
        checkin = await session.get(CheckIn, checkin_id)
        assert checkin.status == CheckInStatus.answered
        assert len((await session.exec(select(KRUpdate).where(KRUpdate.checkin_id == checkin_id))).all()) == 2
        [blocker] = (await session.exec(select(Blocker))).all()
        assert blocker.text == "Waiting for SSO <!channel>" and blocker.key_result_id == rig.ids["onboarding-days"]
        [win] = (await session.exec(select(Win))).all()
        assert win.share is True

    [_, confirmation] = await rig.fake.wait_for("chat.postMessage", 2)
    assert confirmation.args["channel"] == "UALICE" and "Recorded your check-in" in confirmation.args["text"]
    await rig.fake.wait_for("views.publish")

    [done] = await rig.send_outbox()  # the checkin_done update the router queued
    [update] = rig.fake.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == ("DALICE", "1700000000.000001")
    assert done.template == "checkin_done" and not any(b["type"] == "actions" for b in update.args["blocks"])


async def test_invalid_answers_come_back_inline_and_nothing_is_stored(rig: SlackRig) -> None:
    await rig.command("UALICE", "/checkin")
    [opened] = await rig.fake.wait_for("views.open")
    view = {**opened.args["view"], "id": "V0MODAL2", "hash": "h2"}
    days = rig.ids["onboarding-days"]
    answers = good_answers(rig.ids)
    answers[f"kr.{days}.value"] = typed("number_input", "twelve")
    answers[f"kr.{days}.confidence"] = typed("static_select", None)
    answers["win.2.text"] = typed("plain_text_input", "w" * 1001)

    response = await rig.submit("UALICE", view, answers)
    body = await response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {f"kr.{days}.value", f"kr.{days}.confidence", "win.2.text"}
    assert "you typed 'twelve'" in body["errors"][f"kr.{days}.value"]
    async with rig.db.session() as session:
        assert not (await session.exec(select(KRUpdate))).all() and not (await session.exec(select(Win))).all()

    response = await rig.submit("UALICE", view, good_answers(rig.ids))  # corrected in the same modal
    assert response.status == 200 and await response.text() == ""
    async with rig.db.session() as session:
        assert len((await session.exec(select(KRUpdate))).all()) == 2


async def test_a_resent_submission_is_recorded_once(rig: SlackRig) -> None:
    await rig.command("UALICE", "/checkin")
    [opened] = await rig.fake.wait_for("views.open")
    view = {**opened.args["view"], "id": "V0MODAL3", "hash": "h3"}
    for _ in range(2):
        response = await rig.submit("UALICE", view, good_answers(rig.ids))
        assert response.status == 200
    async with rig.db.session() as session:
        assert len((await session.exec(select(Win))).all()) == 1
        assert len((await session.exec(select(Blocker))).all()) == 1
    assert len(await rig.fake.wait_for("chat.postMessage")) == 1  # one confirmation
