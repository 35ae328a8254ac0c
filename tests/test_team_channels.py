"""A team's channel set in app.yaml is where its wins are announced."""

from __future__ import annotations

from sqlmodel import select

from bot.config import Channels, TeamChannels
from bot.ticker import Ticker
from storage.db import Database
from storage.models import Team
from tests.channel_helpers import channelled
from tests.orgchart import NOW, make_org, org_config


async def test_a_channel_configured_in_app_yaml_reaches_the_team_on_the_next_tick(db: Database) -> None:
    await make_org(db)  # team Platform, Slack channel CPLAT
    config = org_config(channels=Channels(teams={"Platform": TeamChannels(slack="CNEWWINS"), "Ghosts": TeamChannels(slack="CX")}))
    await Ticker(config, db).tick(NOW)
    async with db.session() as s:
        teams = await channelled(s, (await s.exec(select(Team))).all())
    assert [(t.name, t.slack_channel_id) for t in teams] == [("Platform", "CNEWWINS")]
