"""`outcomebot serve` mounts Teams: /api/messages answers and the outbox can deliver to Teams."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.runtime import Runtime
from bot.server import TICKER_KEY, build_web_app, platform_mounts
from tests import teams_activities as act
from tests.fake_connector import FakeConnector
from tests.orgchart import make_org, org_config
from tests.teams_harness import app_secrets, emulator_secrets, our_tenant_config


async def test_serve_with_emulator_mode_answers_on_api_messages_and_sends_through_teams(db) -> None:
    await make_org(db)
    runtime = Runtime(config=org_config(teams_allow_unauthenticated=True), secrets=emulator_secrets(), db=db)
    app = build_web_app(runtime, mounts=platform_mounts(runtime), scheduler=False)
    assert "teams" in app[TICKER_KEY].sender.notifier.platforms
    connector = await FakeConnector().start()
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        bob = act.user("29:bob", "aad-bob", "Bob")
        response = await client.post("/api/messages", json=act.personal_message(connector.url, bob, "a:conv-bob", "help"))
        assert response.status == 201
        assert len(connector.sent("a:conv-bob")) == 1
    finally:
        await client.close()
        await connector.close()


async def test_serve_with_an_app_id_refuses_tokenless_requests(db) -> None:
    runtime = Runtime(config=our_tenant_config(), secrets=app_secrets(), db=db)
    app = build_web_app(runtime, mounts=platform_mounts(runtime), scheduler=False)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        response = await client.post("/api/messages", json={"type": "message", "text": "okrs"})
        assert response.status == 401
    finally:
        await client.close()


def test_serve_leaves_teams_out_without_an_app_id_or_the_emulator_setting(db) -> None:
    runtime = Runtime(config=org_config(), secrets=emulator_secrets(), db=db)
    assert all(m.__module__ != "bot.teams" for m in platform_mounts(runtime))


async def test_tick_sends_teams_messages_through_the_outbound_hook(db) -> None:
    from bot.server import outbound_platforms

    runtime = Runtime(config=org_config(teams_allow_unauthenticated=True), secrets=emulator_secrets(), db=db)
    async with outbound_platforms(runtime) as platforms:
        assert platforms["teams"].name == "teams"
