"""From a scheduled prompt in a Slack DM to a stored check-in, through the real endpoint."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlmodel import select

from storage.models import Blocker, CheckIn, CheckInStatus, Delivery, KRUpdate, Win
from tests.orgchart import NOW
from tests.slack_harness import SlackRig, inputs_of, rig  # noqa: F401
from tests.slack_requests import typed

MONDAY_AFTER_NINE_BERLIN = datetime(2026, 11, 30, 8, 1, tzinfo=timezone.utc)


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
    await rig.tick(NOW)  # schedules everyone's first prompt: Monday 09:00 in their timezone
    result = await rig.tick(MONDAY_AFTER_NINE_BERLIN)
    assert result.plan.prompted >= 1 and result.send.sent >= 1
    posted = next(c for c in rig.fake.calls_to("chat.postMessage") if c.args["channel"] == "UALICE")
    button = next(e for b in posted.args["blocks"] if b["type"] == "actions" for e in b["elements"])
    checkin_id = int(button["value"])
    async with rig.db.session() as session:
        prompt = (await session.exec(select(Delivery).where(Delivery.address == "UALICE"))).one()
    assert prompt.message_ref and prompt.message_ref.startswith("DALICE:")
    rig.fake.calls.clear()

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

    [confirmation] = await rig.fake.wait_for("chat.postMessage")
    assert confirmation.args["channel"] == "UALICE" and "Recorded your check-in" in confirmation.args["text"]

    await rig.tick(MONDAY_AFTER_NINE_BERLIN + timedelta(minutes=1))  # sends the checkin_done update
    [update] = rig.fake.calls_to("chat.update")
    assert f"{update.args['channel']}:{update.args['ts']}" == prompt.message_ref
    assert "recorded" in update.args["text"] and not any(b["type"] == "actions" for b in update.args["blocks"])


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


async def test_typed_text_with_url_special_characters_is_stored_exactly_as_typed(rig: SlackRig) -> None:
    await rig.command("UALICE", "/checkin")
    [opened] = await rig.fake.wait_for("views.open")
    view = {**opened.args["view"], "id": "V0CHARS", "hash": "h"}
    answers = good_answers(rig.ids)
    typed_text = "50% + 20% & more = 100%25 ; a=b&c=d — naïve 🚀 \"quoted\" \\ back"
    answers["blocker.1.text"] = typed("plain_text_input", typed_text)
    answers["win.1.text"] = typed("plain_text_input", "payload=1&payload=2")
    response = await rig.submit("UALICE", view, answers)
    assert response.status == 200 and await response.text() == ""
    async with rig.db.session() as session:
        [blocker] = (await session.exec(select(Blocker))).all()
        [win] = (await session.exec(select(Win))).all()
    assert (blocker.text, win.text) == (typed_text, "payload=1&payload=2")
