"""First week after install: people just imported get a welcome that says when their check-ins
come and offers this week's check-in at once, instead of silence until next Monday."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.fake import FakeChat
from bot.router import Router
from messages.render import Renderer
from storage.db import Database
from storage.models import Delivery
from tests import teams_activities as act
from tests.daily_rigs import Clock, slack_rig, teams_rig
from tests.orgchart import ALICE, NOW, make_org, org_config
from tests.test_teams_conversation import BOB, DIRECTORY, install


def test_importing_people_queues_one_welcome_each_with_an_offer_to_check_in_now(tmp_path: Path, sqlite_url: str) -> None:
    config = tmp_path / "app.yaml"
    config.write_text(f"database_url: {sqlite_url}\n", encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("email,name,timezone,country,manager_email,team\nana@x.com,Ana,Europe/Berlin,DE,,\n"
                      "ben@x.com,Ben,America/New_York,US,ana@x.com,\n", encoding="utf-8")
    for _ in range(2):  # a re-import welcomes nobody twice
        assert CliRunner().invoke(app, ["import", str(people), "--config", str(config)]).exit_code == 0

    async def welcomes():
        db = Database(sqlite_url)
        try:
            async with db.session() as s:
                return (await s.exec(select(Delivery).where(Delivery.template == "welcome").order_by(Delivery.id))).all()
        finally:
            await db.dispose()

    rows = asyncio.run(welcomes())
    assert [row.address for row in rows] == ["ana@x.com", "ben@x.com"]
    shown = Renderer("text").render("welcome", rows[0].context)
    assert shown.startswith("Welcome to OutcomeBot, Ana! I will ask how your key results move: weekly every Monday at 09:00")
    assert "type `checkin` to check in for week" in shown


async def test_check_in_now_opens_this_weeks_form(db: Database) -> None:
    await make_org(db)
    chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))
    assert await chat.click(ALICE, "checkin.now", "now") == "[check-in form for week 48 of 2026: activation, onboarding-days]"


async def test_slack_check_in_now_button_opens_the_modal(db: Database) -> None:
    async with slack_rig(db, Clock()) as rig:
        await rig.click("UALICE", "checkin.now", "now")
        [opened] = await rig.fake.wait_for("views.open")
        assert opened.args["view"]["callback_id"] == "checkin"


async def test_teams_check_in_now_button_shows_the_card(db: Database) -> None:
    async with teams_rig(db, Clock(), DIRECTORY) as teams:
        await install(teams)
        teams.connector.calls.clear()
        await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", "activity-1", {"action": "checkin.now", "value": "now"}))
        [card] = teams.connector.sent("a:conv-bob")
        assert f"kr.{teams.ids['first-reply-hours']}.value" in card.inputs()
