"""A team's channel set in app.yaml is where its wins are announced."""

from __future__ import annotations

from sqlmodel import select

from bot.config import Channels, TeamChannels
from bot.ticker import Ticker
from cadences.outbox import team_targets
from storage.db import Database
from storage.models import Team
from tests.channel_helpers import channelled, set_channels
from tests.orgchart import NOW, make_org, org_config


async def test_a_channel_configured_in_app_yaml_reaches_the_team_on_the_next_tick(db: Database) -> None:
    await make_org(db)  # team Platform, Slack channel CPLAT
    config = org_config(channels=Channels(teams={"Platform": TeamChannels(slack="CNEWWINS"), "Ghosts": TeamChannels(slack="CX")}))
    await Ticker(config, db).tick(NOW)
    async with db.session() as s:
        teams = await channelled(s, (await s.exec(select(Team))).all())
    assert [(t.name, t.slack_channel_id) for t in teams] == [("Platform", "CNEWWINS")]


async def test_a_teams_channel_configured_in_app_yaml_takes_the_place_of_the_installed_one_keeping_its_service_url(
        db: Database) -> None:
    await make_org(db)
    installed = {"serviceUrl": "https://smba.example/", "conversation": {"id": "19:old@thread.tacv2", "tenantId": "t-1"}}
    async with db.transaction() as s:
        platform = (await s.exec(select(Team).where(Team.name == "Platform"))).one()
        await set_channels(s, platform.id, teams_channel_ref=installed)
        s.add(Team(name="Growth"))  # the app was never installed in Growth's team
    config = org_config(channels=Channels(teams={"Platform": TeamChannels(teams="19:wins@thread.tacv2"),
                                                 "Growth": TeamChannels(teams="19:growth@thread.tacv2")}))
    await Ticker(config, db).tick(NOW)
    async with db.session() as s:
        teams = await channelled(s, (await s.exec(select(Team).order_by(Team.name))).all())
        targets = {t.name: await team_targets(s, t.id) for t in teams}
    assert [(t.name, t.slack_channel_id, t.teams_channel_ref) for t in teams] == [
        ("Growth", None, None),
        ("Platform", "CPLAT", {"serviceUrl": "https://smba.example/",
                               "conversation": {"id": "19:wins@thread.tacv2", "tenantId": "t-1"}}),
    ]
    assert targets == {"Growth": [], "Platform": [("slack", "CPLAT"), ("teams", "19:wins@thread.tacv2")]}
