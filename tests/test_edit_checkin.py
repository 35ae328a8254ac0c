"""Editing a check-in until its period ends: `checkin` again or the "Edit" button reopens the
submitted answers; saving replaces them; an edited shared win updates its announcement in
place (Slack chat.update, Teams update activity), never a second post; a blocker keeps its id."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from bot.fake import FakeChat
from bot.router import Router
from storage.models import Blocker, Delivery, Win, WinStatus
from tests import teams_activities as act
from tests.daily_rigs import Clock, slack_rig, teams_rig
from tests.orgchart import ALICE, NOW, make_org, org_config
from tests.slack_requests import typed
from tests.test_slack_journey import good_answers
from tests.test_teams_conversation import BOB, DIRECTORY, MAYA, answers, install


async def test_the_edit_button_reopens_my_answers_and_saving_replaces_the_blocker_keeping_its_id(db) -> None:
    ids = await make_org(db)
    chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))
    await chat.say(ALICE, "checkin")
    recorded = await chat.submit(ALICE, {f"kr.{ids['activation']}.value": "48", f"kr.{ids['activation']}.confidence": "6",
                                         f"kr.{ids['onboarding-days']}.value": "21", f"kr.{ids['onboarding-days']}.confidence": "7",
                                         "blocker.1.text": "Waiting for SSO", "win.1.text": "Acme live", "win.1.share": "no"})
    assert recorded.endswith("Type `checkin` to change your answers until the period ends.")
    checkin_id = chat.last_form.checkin_id
    async with db.session() as s:
        [blocker] = (await s.exec(select(Blocker))).all()
    assert (await chat.click(ALICE, "checkin.edit", str(checkin_id))).startswith(
        "[check-in form for week 48 of 2026 (your answers, to edit)")
    edited = {**chat.last_form.prefill, "blocker.1.text": "Waiting for SSO from IT (asked twice)", "win.1.text": "Acme live in 9 days"}
    reply = await chat.submit(ALICE, edited)
    assert reply.startswith("Updated your check-in for week 48 of 2026")
    async with db.session() as s:
        blockers = (await s.exec(select(Blocker))).all()
        wins = (await s.exec(select(Win))).all()
    assert [(b.id, b.text) for b in blockers] == [(blocker.id, "Waiting for SSO from IT (asked twice)")]
    assert [w.text for w in wins] == ["Acme live in 9 days"]

    later = FakeChat(Router(org_config(), db, clock=lambda: NOW + timedelta(days=7)))
    assert await later.click(ALICE, "checkin.edit", str(checkin_id)) == (
        "Your check-in for week 48 of 2026 has closed, so it can no longer be changed. Type `checkin` for this period's.")


async def test_slack_editing_a_posted_shared_win_updates_the_announcement_in_place(db) -> None:
    clock = Clock()
    async with slack_rig(db, clock) as rig:
        await rig.command("UALICE", "/checkin")
        [opened] = await rig.fake.wait_for("views.open")
        view = {**opened.args["view"], "id": "V0FIRST", "hash": "h1"}
        assert (await rig.submit("UALICE", view, good_answers(rig.ids))).status == 200
        [confirmation] = await rig.fake.wait_for("chat.postMessage")
        edit = next(e for b in confirmation.args["blocks"] if b["type"] == "actions" for e in b["elements"])
        assert (edit["action_id"], edit["text"]["text"]) == ("checkin.edit", "Edit")
        await rig.tick(clock.now)
        [announced] = [c for c in rig.fake.calls_to("chat.postMessage") if c.args["channel"] == "CPLAT"]
        assert "Acme went live in 9 days" in announced.args["text"]
        rig.fake.calls.clear()

        await rig.click("UALICE", "checkin.edit", edit["value"])
        [reopened] = await rig.fake.wait_for("views.open")
        blocks = {b.get("block_id"): b for b in reopened.args["view"]["blocks"]}
        assert blocks["win.1.text"]["element"]["initial_value"] == "Acme went live in 9 days"
        assert blocks["win.1.share"]["element"]["initial_options"][0]["value"] == "true"
        assert blocks["blocker.1.kr"]["element"]["initial_option"]["value"] == str(rig.ids["onboarding-days"])
        assert blocks[f"kr.{rig.ids['activation']}.value"]["element"]["initial_value"] == "48"

        changed = {**good_answers(rig.ids), "win.1.text": typed("plain_text_input", "Acme went live in 8 days")}
        view = {**reopened.args["view"], "id": "V0EDIT", "hash": "h2"}
        assert (await rig.submit("UALICE", view, changed)).status == 200
        await rig.fake.wait_for("chat.postMessage")  # "Updated your check-in"
        clock.now += timedelta(minutes=1)
        await rig.tick(clock.now)
        assert [c for c in rig.fake.calls_to("chat.postMessage") if c.args["channel"] == "CPLAT"] == []
        [updated] = [c for c in rig.fake.calls_to("chat.update") if c.args["channel"] == "CPLAT"]
        async with db.session() as s:
            [win] = (await s.exec(select(Win))).all()
            [first] = (await s.exec(select(Delivery).where(Delivery.template == "win_announcement",
                                                           Delivery.replaces_ref.is_(None)))).all()
        assert f"CPLAT:{updated.args['ts']}" == first.message_ref and "Acme went live in 8 days" in updated.args["text"]
        assert (win.text, win.status) == ("Acme went live in 8 days", WinStatus.posted)


async def test_teams_checkin_again_shows_my_answers_and_an_edited_win_updates_the_channel_post(db) -> None:
    clock = Clock(datetime(2026, 11, 30, 14, 1, tzinfo=timezone.utc))
    async with teams_rig(db, clock, DIRECTORY) as teams:
        await install(teams, MAYA, "a:conv-maya")
        await teams.post(act.team_install(teams.url, MAYA))
        await install(teams)
        teams.connector.calls.clear()
        kr = teams.ids["first-reply-hours"]
        await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob", "checkin"))
        [card] = teams.connector.sent("a:conv-bob")
        submit = card.card["actions"][0]["data"]
        await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", "activity-9", {**submit, **answers(kr)}))
        await teams.tick(clock.now)
        [announced] = [c for c in teams.connector.sent() if c.conversation_id.startswith(act.CHANNEL_ID)]
        assert announced.method == "POST" and "Replies under 10 hours" in " ".join(announced.texts())
        teams.connector.calls.clear()

        await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob", "checkin"))
        [again] = teams.connector.sent("a:conv-bob")
        inputs = again.inputs()
        assert inputs["win.1.text"]["value"] == "Replies under 10 hours" and inputs["win.1.share"]["value"] == "true"
        assert inputs[f"kr.{kr}.value"]["value"] == 20
        await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", "activity-10",
                                         {**submit, **answers(kr, **{"win.1.text": "Replies under 9 hours"})}))
        teams.connector.calls.clear()
        clock.now += timedelta(minutes=1)
        await teams.tick(clock.now)
        channel = [c for c in teams.connector.sent() if c.conversation_id.startswith(act.CHANNEL_ID)]
        async with db.session() as s:
            assert len((await s.exec(select(Win))).all()) == 1
            [first] = (await s.exec(select(Delivery).where(Delivery.template == "win_announcement", Delivery.platform == "teams",
                                                           Delivery.replaces_ref.is_(None)))).all()
        assert [c.method for c in channel] == ["PUT"] and first.message_ref.endswith(channel[0].activity_id)
        assert "Replies under 9 hours" in " ".join(channel[0].texts())
