"""The form starts from last time on every surface: each key result's last value and
confidence as the starting answer, and earlier blockers listed as "still blocking / resolved"
instead of being typed again."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.fake import FakeChat
from bot.router import Router
from storage.db import Database
from storage.models import Blocker, Delivery
from tests import teams_activities as act
from tests.daily_rigs import Clock, slack_rig, teams_rig
from tests.orgchart import ALICE, NOW, make_org, org_config
from tests.slack_requests import typed
from tests.test_slack_journey import good_answers
from tests.test_teams_conversation import BOB, DIRECTORY, MONDAY_AFTER_NINE_NEW_YORK, answers, install

NEXT_WEEK = NOW + timedelta(days=7)


def first_week(ids: dict[str, int]) -> dict[str, str]:
    return {f"kr.{ids['activation']}.value": "48", f"kr.{ids['activation']}.confidence": "6",
            f"kr.{ids['onboarding-days']}.value": "21", f"kr.{ids['onboarding-days']}.confidence": "7",
            "blocker.1.text": "Waiting for SSO", "blocker.2.text": "No test tenant"}


async def blockers(db: Database) -> dict[str, str]:
    async with db.session() as s:
        return {b.text: b.status for b in (await s.exec(select(Blocker))).all()}


async def test_next_weeks_form_offers_last_values_and_lists_open_blockers_to_resolve(db: Database) -> None:
    ids = await make_org(db)
    chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))
    await chat.say(ALICE, "checkin")
    await chat.submit(ALICE, first_week(ids))
    later = FakeChat(Router(org_config(), db, clock=lambda: NEXT_WEEK))
    assert "week 49 of 2026" in await later.say(ALICE, "checkin")
    form = later.last_form
    assert {kr.key: (kr.current, kr.confidence) for kr in form.key_results} == {"activation": (48, 6), "onboarding-days": (21, 7)}
    assert [(b.text, b.age_days) for b in form.open_blockers] == [("Waiting for SSO", 7), ("No test tenant", 7)]
    sso, tenant = form.open_blockers
    reply = await later.submit(ALICE, {**first_week(ids), "blocker.1.text": "", "blocker.2.text": "",
                                       f"blocker.open.{sso.id}": "resolved", f"blocker.open.{tenant.id}": "still"})
    assert reply.startswith("Recorded your check-in for week 49 of 2026")
    assert await blockers(db) == {"Waiting for SSO": "resolved", "No test tenant": "open"}


async def test_in_the_terminal_earlier_blockers_are_asked_about_one_by_one(db: Database) -> None:
    from bot.console.io import scripted
    from bot.console.session import ConsoleChat

    ids = await make_org(db)
    chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))
    await chat.say(ALICE, "checkin")
    await chat.submit(ALICE, first_week(ids))
    output: list[str] = []
    console = ConsoleChat(Router(org_config(), db, clock=lambda: NEXT_WEEK), ALICE,
                          read=scripted(["checkin", "", "", "", "", "", "", "n", "", "", ""], output), write=output.append)
    await console.run()
    assert "  new value [48]: " in output and "  confidence 0–10 [6]: " in output
    assert "  still blocking you: “Waiting for SSO”? (Y/n, n = resolved): n" in output
    assert "Anything new blocking you? One at a time; Enter when there is nothing (more)." in output
    assert await blockers(db) == {"Waiting for SSO": "resolved", "No test tenant": "open"}


async def test_slack_modal_starts_from_last_values_and_resolves_an_earlier_blocker(db) -> None:
    clock = Clock()
    async with slack_rig(db, clock) as rig:
        await rig.command("UALICE", "/checkin")
        [opened] = await rig.fake.wait_for("views.open")
        await rig.submit("UALICE", {**opened.args["view"], "id": "V1", "hash": "h"}, good_answers(rig.ids))
        await rig.fake.wait_for("chat.postMessage")
        rig.fake.calls.clear()
        clock.now = NEXT_WEEK
        await rig.command("UALICE", "/checkin")
        [opened] = await rig.fake.wait_for("views.open")
        blocks = {b.get("block_id"): b for b in opened.args["view"]["blocks"]}
        assert blocks[f"kr.{rig.ids['activation']}.value"]["element"]["initial_value"] == "48"
        assert blocks[f"kr.{rig.ids['activation']}.confidence"]["element"]["initial_option"]["value"] == "6"
        [blocker_id] = [k.split(".")[2] for k in blocks if k and k.startswith("blocker.open.")]
        still = blocks[f"blocker.open.{blocker_id}"]
        assert "Waiting for SSO" in still["label"]["text"] and still["element"]["initial_option"]["value"] == "still"
        values = {**good_answers(rig.ids), "blocker.1.text": typed("plain_text_input", None),
                  f"blocker.open.{blocker_id}": typed("static_select", "resolved")}
        response = await rig.submit("UALICE", {**opened.args["view"], "id": "V2", "hash": "h"}, values)
        assert response.status == 200
        assert await blockers(db) == {"Waiting for SSO <!channel>": "resolved"}


async def test_teams_card_lists_an_earlier_blocker_as_still_blocking_and_resolves_it(db) -> None:
    clock = Clock()
    async with teams_rig(db, clock, DIRECTORY) as teams:
        await install(teams)
        kr = teams.ids["first-reply-hours"]
        teams.connector.calls.clear()
        await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob", "checkin"))
        submit = teams.connector.sent("a:conv-bob")[0].card["actions"][0]["data"]
        await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", "activity-9", {**submit, **answers(kr)}))
        clock.now = NEXT_WEEK
        teams.connector.calls.clear()
        await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob", "checkin"))
        [card] = teams.connector.sent("a:conv-bob")
        inputs = card.inputs()
        [field] = [name for name in inputs if name.startswith("blocker.open.")]
        assert inputs[field]["value"] == "still" and inputs[f"kr.{kr}.value"]["value"] == 20
        assert "Still blocking you? Need a second on-call <at>Maya</at> **now**" in " ".join(card.texts())
        submit = card.card["actions"][0]["data"]
        await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", "activity-11",
                                         {**submit, **answers(kr, **{"blocker.1.text": ""}), field: "resolved"}))
        assert await blockers(db) == {"Need a second on-call <at>Maya</at> **now**": "resolved"}


async def test_teams_scheduled_prompt_card_lists_an_earlier_blocker_and_resolves_it_on_submit(db) -> None:
    clock = Clock()
    async with teams_rig(db, clock, DIRECTORY) as teams:
        await install(teams)
        kr = teams.ids["first-reply-hours"]
        await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob", "checkin"))  # week 48, by command
        submit = teams.connector.sent("a:conv-bob")[-1].card["actions"][0]["data"]
        await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", "activity-9", {**submit, **answers(kr)}))
        await teams.tick(NOW)
        clock.now = MONDAY_AFTER_NINE_NEW_YORK
        teams.connector.calls.clear()
        assert (await teams.tick(MONDAY_AFTER_NINE_NEW_YORK)).send.sent >= 1  # week 49's prompt, from the ticker

        [card] = teams.connector.sent("a:conv-bob")
        assert card.method == "POST" and "Check-in for week 49 of 2026" in " ".join(card.texts())
        inputs = card.inputs()
        [field] = [name for name in inputs if name.startswith("blocker.open.")]
        assert inputs[field]["value"] == "still" and inputs[f"kr.{kr}.value"]["value"] == 20  # last time's value
        assert inputs[f"kr.{kr}.confidence"]["value"] == "6"
        assert "Still blocking you? Need a second on-call <at>Maya</at> **now**" in " ".join(card.texts())
        submit = card.card["actions"][0]["data"]
        async with db.session() as s:
            prompt = (await s.exec(select(Delivery).where(Delivery.address == "a:conv-bob",
                                                          Delivery.template == "checkin_prompt"))).one()
        response = await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", prompt.message_ref,
                                                    {**submit, **answers(kr, **{"blocker.1.text": ""}), field: "resolved"}))
        assert response.status in (200, 201)
        assert "Recorded your check-in for week 49 of 2026" in " ".join(teams.connector.sent("a:conv-bob")[-1].texts())
    assert await blockers(db) == {"Need a second on-call <at>Maya</at> **now**": "resolved"}
