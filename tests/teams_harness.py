"""Start the real Teams wiring against a real database and the fake connector, all on 127.0.0.1."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.config import AppConfig, Secrets, TeamsSettings
from bot.router import Router
from bot.runtime import Runtime
from bot.teams.endpoint import TeamsWiring, build_teams
from bot.ticker import Ticker, TickResult, default_platforms
from storage.db import Database
from tests.fake_connector import FakeConnector
from tests.orgchart import NOW, org_config
from tests.teams_activities import TENANT

APP_ID = "00000000-0000-4000-8000-00000000b0b0"


def no_teams_env(monkeypatch) -> None:
    for name in ("TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_APP_TENANT_ID", "OUTCOMEBOT_TEAMS_ALLOW_UNAUTHENTICATED"):
        monkeypatch.delenv(name, raising=False)


def our_tenant_config(**overrides: Any) -> AppConfig:
    """The org chart's configuration for a multi-tenant bot serving the test tenant."""
    return org_config(teams=TeamsSettings(allowed_tenants=(TENANT,)), **overrides)


def emulator_secrets() -> Secrets:
    return Secrets(teams_app_id=None, teams_app_password=None, teams_app_tenant_id=None)


def app_secrets(*, tenant: str | None = None) -> Secrets:
    return Secrets(teams_app_id=APP_ID, teams_app_password=SecretStr("not-a-real-password"), teams_app_tenant_id=tenant)


@dataclass
class TeamsHarness:
    runtime: Runtime
    wiring: TeamsWiring
    connector: FakeConnector
    client: TestClient

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def url(self) -> str:
        return self.connector.url

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None):
        return await self.client.post("/api/messages", json=activity, headers=headers or {})

    async def tick(self, now, **platforms: Any) -> TickResult:
        """One scheduler pass (real planner and outbox sender) with Teams registered."""
        everything = {**default_platforms(), "teams": self.wiring.platform, **platforms}
        return await Ticker(self.runtime.config, self.db, everything).tick(now)


@asynccontextmanager
async def running_teams(
    db: Database,
    *,
    config: AppConfig | None = None,
    secrets: Secrets | None = None,
    members: dict[str, dict[str, Any]] | None = None,
    **build: Any,
) -> AsyncIterator[TeamsHarness]:
    config = config or org_config(teams_allow_unauthenticated=True)
    runtime = Runtime(config=config, secrets=secrets or emulator_secrets(), db=db)
    connector = await FakeConnector(members=dict(members or {})).start()
    build.setdefault("dispatch", Router(config, db, clock=lambda: NOW).dispatch)
    wiring = build_teams(runtime, **build)
    app = web.Application()
    wiring.mount(app)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield TeamsHarness(runtime=runtime, wiring=wiring, connector=connector, client=client)
    finally:
        await client.close()
        await connector.close()
