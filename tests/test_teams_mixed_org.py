"""An organisation on Slack and Teams at once: one tick sends each prompt on the person's platform."""

from __future__ import annotations

from sqlmodel import select

from storage.models import Delivery
from tests import teams_activities as act
from tests.orgchart import NOW, org_config
from tests.slack_harness import SlackRig, rig  # noqa: F401  (the Slack side, same database)
from tests.teams_harness import running_teams
from tests.test_teams_conversation import DIRECTORY, MONDAY_AFTER_NINE_NEW_YORK

BOB = act.user("29:bob", "aad-bob", "Bob")


async def test_one_tick_prompts_slack_people_in_slack_and_teams_people_in_teams(rig: SlackRig) -> None:
    async with running_teams(rig.db, config=org_config(teams_allow_unauthenticated=True), members=DIRECTORY) as teams:
        assert (await teams.post(act.personal_install(teams.url, BOB, "a:conv-bob"))).status == 201
        teams.connector.calls.clear()
        await teams.tick(NOW, slack=rig.bot.platform)
        result = await teams.tick(MONDAY_AFTER_NINE_NEW_YORK, slack=rig.bot.platform)

        assert result.send.failed == 0 and result.send.unreachable == 0
        slack_channels = {c.args["channel"] for c in rig.fake.calls_to("chat.postMessage")}
        assert "UALICE" in slack_channels  # Alice (Berlin) is on Slack
        [bob_prompt] = teams.connector.sent("a:conv-bob")  # Bob (New York) is on Teams
        assert bob_prompt.card["body"][0]["text"].startswith("Check-in for")
        async with rig.db.session() as session:
            rows = (await session.exec(select(Delivery).where(Delivery.template == "checkin_prompt"))).all()
        by_address = {row.address: row.platform for row in rows}
        assert by_address["UALICE"] == "slack" and by_address["a:conv-bob"] == "teams"
        assert all(row.status == "sent" for row in rows if row.platform != "console")
        # people with neither Slack nor Teams wait for one (never "sent" to the console inbox)
        assert all(row.status == "pending" and "no Slack or Teams identity" in row.last_error
                   for row in rows if row.platform == "console")
