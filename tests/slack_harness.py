"""A running Slack side for tests: the fake Slack Web API, the real router on a real SQLite
database (tests/orgchart.py's organisation), and `POST /slack/events` on a local aiohttp
server, driven with signed requests."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from bot.config import Secrets
from bot.router import Router
from bot.slack import http
from bot.slack.app import SlackBot
from bot.slack.wiring import SlackWiring
from bot.ticker import Ticker, TickResult, default_platforms
from storage.db import Database
from tests import slack_requests as rq
from tests.fake_slack import FakeSlack
from tests.orgchart import NOW, make_org, org_config


@dataclass
class SlackRig:
    fake: FakeSlack
    bot: SlackBot
    http: TestClient
    db: Database
    ids: dict[str, int]

    async def post(self, body: str, headers: dict[str, str]) -> ClientResponse:
        return await self.http.post(http.SLACK_EVENTS_PATH, data=body.encode(), headers=headers)

    async def command(self, user: str, command: str, text: str = "", **fields: str) -> ClientResponse:
        payload = rq.slash_command(command, text, user=user, response_url=self.fake.response_url(command.strip("/")), **fields)
        return await self.post(*rq.form_request(payload))

    async def click(self, user: str, action_id: str, value: str = "", **kw: Any) -> ClientResponse:
        return await self.post(*rq.interaction_request(rq.block_action(action_id, value, user=user, **kw)))

    async def submit(self, user: str, view: dict[str, Any], values: dict[str, dict[str, Any]]) -> ClientResponse:
        return await self.post(*rq.interaction_request(rq.view_submission(view, values, user=user)))

    async def event(self, event: dict[str, Any], *, event_id: str | None = None, retry: int = 0) -> ClientResponse:
        body, headers = rq.json_request(rq.event_callback(event, event_id=event_id))
        if retry:
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        return await self.post(body, headers)

    async def tick(self, now: datetime) -> TickResult:
        """One scheduler pass with Slack registered: plan due prompts, send due messages."""
        platforms = {**default_platforms(), "slack": self.bot.platform}
        return await Ticker(self.bot.config, self.db, platforms).tick(now)


def inputs_of(view: dict[str, Any]) -> list[str]:
    return [block["block_id"] for block in view["blocks"] if block["type"] == "input"]


@pytest.fixture
async def rig(db: Database) -> AsyncIterator[SlackRig]:
    fake = await FakeSlack().start()
    ids = await make_org(db)
    config = org_config(slack_api_url=fake.api_url)
    secrets = Secrets(slack_bot_token="xoxb-test", slack_signing_secret=rq.SIGNING_SECRET, slack_app_token=None)
    bot = SlackBot(config=config, secrets=secrets, db=db, router=Router(config, db, clock=lambda: NOW), clock=lambda: NOW)
    app = web.Application()
    SlackWiring(bot).mount(app)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield SlackRig(fake, bot, client, db, ids)
    await client.close()
    await bot.close()
    await fake.stop()


def stale_timestamp() -> int:
    return int(time.time()) - 6 * 60
