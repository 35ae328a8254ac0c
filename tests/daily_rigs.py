"""Slack and Teams rigs whose clock a test moves (a prompt on Monday, a click an hour later),
for the daily-use dialogs (snooze, skip, away). Same wiring as tests/slack_harness.py and
tests/teams_harness.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Secrets
from bot.router import Router
from bot.slack.app import SlackBot
from bot.slack.wiring import SlackWiring
from storage.db import Database
from tests import slack_requests as rq
from tests.fake_slack import FakeSlack
from tests.orgchart import NOW, make_org, org_config
from tests.slack_harness import SlackRig
from tests.teams_harness import TeamsHarness, running_teams


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@asynccontextmanager
async def slack_rig(db: Database, clock: Clock) -> AsyncIterator[SlackRig]:
    fake = await FakeSlack().start()
    ids = await make_org(db)
    config = org_config(slack_api_url=fake.api_url)
    secrets = Secrets(slack_bot_token="xoxb-test", slack_signing_secret=rq.SIGNING_SECRET, slack_app_token=None)
    bot = SlackBot(config=config, secrets=secrets, db=db, router=Router(config, db, clock=clock), clock=clock)
    app = web.Application()
    SlackWiring(bot).mount(app)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield SlackRig(fake, bot, client, db, ids)
    finally:
        await client.close()
        await bot.close()
        await fake.stop()


@asynccontextmanager
async def teams_rig(db: Database, clock: Clock, members: dict) -> AsyncIterator[TeamsHarness]:
    ids = await make_org(db)
    config = org_config(teams_allow_unauthenticated=True)
    async with running_teams(db, config=config, members=members, dispatch=Router(config, db, clock=clock).dispatch) as teams:
        teams.ids = ids  # type: ignore[attr-defined]
        yield teams
