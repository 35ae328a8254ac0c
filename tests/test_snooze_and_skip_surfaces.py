"""Snooze and skip from the prompt's buttons on Slack (signed endpoint) and Teams (/api/messages)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from storage.models import CheckIn, CheckInStatus
from tests import teams_activities as act
from tests.daily_rigs import Clock, slack_rig, teams_rig
from tests.test_teams_conversation import BOB, DIRECTORY, install

MONDAY_AFTER_NINE_BERLIN = datetime(2026, 11, 30, 8, 1, tzinfo=timezone.utc)
MONDAY_AFTER_NINE_NEW_YORK = datetime(2026, 11, 30, 14, 1, tzinfo=timezone.utc)


def prompt_buttons(posted) -> dict[str, dict]:
    return {e["action_id"]: e for b in posted.args["blocks"] if b["type"] == "actions" for e in b["elements"]}


async def test_slack_remind_me_in_two_hours_brings_the_prompt_back_once(db) -> None:
    clock = Clock(MONDAY_AFTER_NINE_BERLIN - timedelta(days=3))
    async with slack_rig(db, clock) as rig:
        await rig.tick(clock.now)
        clock.now = MONDAY_AFTER_NINE_BERLIN
        await rig.tick(clock.now)
        posted = next(c for c in rig.fake.calls_to("chat.postMessage") if c.args["channel"] == "UALICE")
        snooze = prompt_buttons(posted)["checkin.snooze"]
        assert snooze["text"]["text"] == "Remind me in 2 hours"
        rig.fake.calls.clear()

        response = await rig.click("UALICE", "checkin.snooze", snooze["value"], response_url=rig.fake.response_url("btn"))
        assert response.status == 200
        [(_, answer)] = await rig.fake.wait_for_response()
        assert "back today at 11:01" in answer["text"]

        clock.now = MONDAY_AFTER_NINE_BERLIN + timedelta(hours=2)
        await rig.tick(clock.now)
        reminders = [c for c in rig.fake.calls_to("chat.postMessage") if c.args["channel"] == "UALICE"]
        assert len(reminders) == 1 and reminders[0].args["text"].startswith("Reminder")
        await rig.tick(clock.now + timedelta(hours=1))
        assert len([c for c in rig.fake.calls_to("chat.postMessage") if c.args["channel"] == "UALICE"]) == 1


async def test_slack_skip_this_week_button_records_the_week_as_skipped(db) -> None:
    clock = Clock(MONDAY_AFTER_NINE_BERLIN - timedelta(days=3))
    async with slack_rig(db, clock) as rig:
        await rig.tick(clock.now)
        clock.now = MONDAY_AFTER_NINE_BERLIN
        await rig.tick(clock.now)
        posted = next(c for c in rig.fake.calls_to("chat.postMessage") if c.args["channel"] == "UALICE")
        skip = prompt_buttons(posted)["checkin.skip"]
        assert skip["text"]["text"] == "Skip this week"
        await rig.click("UALICE", "checkin.skip", skip["value"], response_url=rig.fake.response_url("btn"))
        [(_, answer)] = await rig.fake.wait_for_response()
        assert answer["text"].startswith("Skipped your check-in for week 49 of 2026.")
        async with db.session() as s:
            checkin = await s.get(CheckIn, int(skip["value"]))
        assert checkin.status == CheckInStatus.skipped


async def test_teams_card_buttons_snooze_until_tomorrow_morning_and_skip_with_a_typed_reason(db) -> None:
    clock = Clock(MONDAY_AFTER_NINE_NEW_YORK - timedelta(days=3))
    async with teams_rig(db, clock, DIRECTORY) as teams:
        await install(teams)
        await teams.tick(clock.now)
        clock.now = MONDAY_AFTER_NINE_NEW_YORK
        await teams.tick(clock.now)
        [prompt] = [c for c in teams.connector.sent("a:conv-bob") if c.card and c.card.get("actions")]
        buttons = {a["title"]: a["data"] for a in prompt.card["actions"][1:]}
        assert set(buttons) == {"Remind me in 2 hours", "Tomorrow morning", "Skip this week"}
        teams.connector.calls.clear()

        await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", "activity-2", buttons["Tomorrow morning"]))
        [answer] = teams.connector.sent("a:conv-bob")
        assert "back tomorrow at 09:00" in " ".join(answer.texts())
        teams.connector.calls.clear()
        clock.now = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)  # Tuesday 09:00 in New York
        await teams.tick(clock.now)
        [reminder] = teams.connector.sent("a:conv-bob")
        assert "Reminder" in " ".join(reminder.texts())

        teams.connector.calls.clear()
        await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob", "skip travelling to the offsite"))
        [answer] = teams.connector.sent("a:conv-bob")
        assert "Skipped your check-in for week 49 of 2026 (travelling to the offsite)" in " ".join(answer.texts())
        async with db.session() as s:
            [checkin] = (await s.exec(select(CheckIn).where(CheckIn.person_id == teams.ids["bob"]))).all()
        assert (checkin.status, checkin.skip_reason) == ("skipped", "travelling to the offsite")
