"""The dashboard on a local aiohttp test server over tests/manager_team.py's organisation,
with a fixed clock, and signing in the way a person does: a link, its page, its POST."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from aiohttp import ClientSession, CookieJar, web
from aiohttp.test_utils import TestServer

from bot.config import AppConfig, Organisation, Secrets
from bot.runtime import Runtime
from bot.web import app as dashboard
from bot.web.links import issue_link
from storage.db import Database
from storage.models import Person
from tests.manager_team import NOW, Team8, seed_team

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def dashboard_config(**web_settings) -> AppConfig:
    return AppConfig(organisation=Organisation(name="X", timezone="Europe/Berlin", country="DE"), web=web_settings)


@dataclass
class DashRig:
    db: Database
    config: AppConfig
    team: Team8
    server: TestServer

    def client(self) -> ClientSession:
        """A browser of its own (cookie jar), talking to the one server."""
        return ClientSession(base_url=str(self.server.make_url("")), cookie_jar=CookieJar(unsafe=True))

    async def link(self, name: str) -> str:
        url = await issue_link(self.db, self.config, person_id=self.team.id(name), now=NOW)
        parts = urlsplit(url)
        return f"{parts.path}?{parts.query}"

    async def signed_in(self, name: str) -> ClientSession:
        client = self.client()
        page = await client.get(await self.link(name))
        form = await page.text()
        token = re.search(r'name="token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        answer = await client.post("/dash/login", data={"token": token, "csrf": CSRF.search(form).group(1)},  # type: ignore[union-attr]
                                   allow_redirects=False)
        assert answer.status == 303, await answer.text()
        return client


async def csrf_of(client: ClientSession, path: str = "/dash/") -> str:
    return CSRF.search(await (await client.get(path)).text()).group(1)  # type: ignore[union-attr]


@pytest.fixture
async def rig(db: Database) -> AsyncIterator[DashRig]:
    async with db.transaction() as session:
        team = await seed_team(session)
    config = dashboard_config()
    app = web.Application()
    dashboard.mount(app, Runtime(config=config, secrets=Secrets(), db=db), clock=lambda: NOW)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield DashRig(db, config, team, server)
    await server.close()


async def person_named(db: Database, name: str) -> Person:
    async with db.session() as session:
        from sqlmodel import select

        return (await session.exec(select(Person).where(Person.name == name))).one()
