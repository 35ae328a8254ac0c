"""Every slash command through the signed endpoint: acked at once, answered ephemerally."""

from __future__ import annotations


import pytest
from sqlmodel import select

from storage.models import Win
from tests.slack_harness import SlackRig, rig  # noqa: F401
from tests.slack_samples import assert_no_live_markup


async def answer(rig: SlackRig, user: str, command: str, text: str = "") -> dict:
    response = await rig.command(user, command, text)
    assert response.status == 200 and await response.text() == ""  # a bare ack; the answer follows
    [(key, posted)] = await rig.fake.wait_for_response()
    assert key == command.strip("/")
    assert posted["response_type"] == "ephemeral" and posted["replace_original"] is False
    assert_no_live_markup(posted["blocks"])
    return posted


@pytest.mark.parametrize("command, expected", [
    ("/okrs", "Median days to first value"),
    ("/blockers", "no open blockers"),
    ("/outcomes", "Customers stay because they succeed"),
    ("/help", "Here is what I can do"),
    ("/frobnicate", "I did not understand"),
])
async def test_command_answers_only_the_person_who_asked(rig: SlackRig, command: str, expected: str) -> None:
    posted = await answer(rig, "UALICE", command)
    assert expected in str(posted["blocks"])


async def test_manager_sees_a_reports_okrs_by_mention(rig: SlackRig) -> None:
    posted = await answer(rig, "UMAYA", "/okrs", "<@UALICE|alice>")
    assert "OKRs of Alice" in posted["text"]


async def test_report_cannot_see_their_managers_okrs(rig: SlackRig) -> None:
    posted = await answer(rig, "UALICE", "/okrs", "<@UMAYA|maya>")
    assert "Alice" not in posted["text"] and "Median days" not in str(posted["blocks"])


async def test_win_is_stored_as_typed_and_shown_escaped(rig: SlackRig) -> None:
    posted = await answer(rig, "UALICE", "/win", "Acme live <!channel> &amp; <http://evil.example|click>")
    async with rig.db.session() as session:
        [win] = (await session.exec(select(Win))).all()
    assert win.text == "Acme live <!channel> & click"  # Slack's escaping undone; the link label kept
    assert "&lt;!channel&gt;" in str(posted["blocks"])


async def test_checkin_command_opens_the_modal(rig: SlackRig) -> None:
    response = await rig.command("UALICE", "/checkin")
    assert response.status == 200
    [opened] = await rig.fake.wait_for("views.open")
    assert opened.args["trigger_id"] and opened.args["view"]["type"] == "modal"


async def test_stranger_is_told_how_to_get_set_up(rig: SlackRig) -> None:
    posted = await answer(rig, "U0STRANGER", "/okrs")
    assert posted["text"]


async def test_command_in_a_channel_stays_ephemeral(rig: SlackRig) -> None:
    response = await rig.command("UALICE", "/okrs", "", channel="C0GENERAL", channel_name="general")
    assert response.status == 200
    [(_, posted)] = await rig.fake.wait_for_response()
    assert posted["response_type"] == "ephemeral"
    assert not rig.fake.calls_to("chat.postMessage")


async def test_dm_text_works_like_a_command(rig: SlackRig) -> None:
    response = await rig.event({"type": "message", "channel_type": "im", "channel": "DALICE", "user": "UALICE",
                                "text": "blockers", "ts": "1.1"})
    assert response.status == 200
    [posted] = await rig.fake.wait_for("chat.postMessage")
    assert posted.args["channel"] == "UALICE" and "no open blockers" in posted.args["text"]


async def test_unknown_button_is_acknowledged_and_answered_with_help(rig: SlackRig) -> None:
    response = await rig.click("UALICE", "does.not.exist", "1", response_url=rig.fake.response_url("btn"))
    assert response.status == 200
    [(_, posted)] = await rig.fake.wait_for_response()
    assert "Here is what I can do" in str(posted["blocks"])


async def test_app_home_shows_okrs_and_next_steps(rig: SlackRig) -> None:
    response = await rig.event({"type": "app_home_opened", "user": "UALICE", "channel": "DALICE", "tab": "home"})
    assert response.status == 200
    [published] = await rig.fake.wait_for("views.publish")
    assert published.args["user_id"] == "UALICE"
    assert "Median days to first value" in str(published.args["view"])


async def test_app_home_for_a_manager_shows_team_participation(rig: SlackRig) -> None:
    await rig.event({"type": "app_home_opened", "user": "UMAYA", "channel": "DMAYA", "tab": "home"})
    [published] = await rig.fake.wait_for("views.publish")
    assert "0 of 2" in str(published.args["view"]) and "week 48 of 2026" in str(published.args["view"])
