"""`serve` and `tick` reach Slack when its tokens are in the environment."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.config import Secrets
from bot.runtime import Runtime
from bot.server import build_web_app, outbound_platforms, platform_mounts
from bot.ticker import Ticker
from storage.db import Database
from tests import slack_requests as rq
from tests.fake_slack import FakeSlack
from tests.orgchart import NOW, make_org, org_config

NEXT_MONDAY_NOON_UTC = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def _slack_runtime(db: Database, api_url: str) -> Runtime:
    secrets = Secrets(slack_bot_token="xoxb-test", slack_signing_secret=rq.SIGNING_SECRET, slack_app_token=None)
    return Runtime(config=org_config(slack_api_url=api_url), secrets=secrets, db=db)


async def test_a_tick_with_a_slack_token_sends_prompts_as_slack_dms(db: Database) -> None:
    fake = await FakeSlack().start()
    try:
        await make_org(db)
        runtime = _slack_runtime(db, fake.api_url)
        async with outbound_platforms(runtime) as platforms:
            assert set(platforms) == {"console", "slack"}
            ticker = Ticker(runtime.config, db, platforms)
            await ticker.tick(NOW)  # plans everyone's first prompt: next Monday 09:00 local
            result = await ticker.tick(NEXT_MONDAY_NOON_UTC)
        channels = {call.args["channel"] for call in fake.calls_to("chat.postMessage")}
        assert {"UALICE", "UMAYA"} <= channels
        assert result.send.failed == 0
    finally:
        await fake.stop()


async def test_serve_mounts_slack_events_which_refuse_unsigned_requests(db: Database) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    fake = await FakeSlack().start()
    runtime = _slack_runtime(db, fake.api_url)
    app = build_web_app(runtime, mounts=platform_mounts(runtime), scheduler=False)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        response = await client.post("/slack/events", data=b"token=x&command=/okrs",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status == 401
        assert (await client.get("/healthz")).status == 200
    finally:
        await client.close()
        await fake.stop()
