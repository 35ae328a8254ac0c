"""Live pages learn of a new check-in from the database, so a check-in stored by another
replica (another process on the same PostgreSQL) moves the marker they poll."""

from __future__ import annotations

import re

from aiohttp import ClientSession, CookieJar, web
from aiohttp.test_utils import TestServer

from bot.config import Secrets
from bot.fake import FakeChat
from bot.router import Router
from bot.runtime import Runtime
from bot.web import app as dashboard
from bot.web.links import issue_link
from storage.db import Database
from tests.orgchart import ALICE, NOW, make_org, org_config


async def signed_in(server: TestServer, db: Database, person_id: int) -> ClientSession:
    client = ClientSession(base_url=str(server.make_url("")), cookie_jar=CookieJar(unsafe=True))
    link = (await issue_link(db, org_config(), person_id=person_id, now=NOW)).split("127.0.0.1:3000", 1)[1]
    body = await (await client.get(link)).text()
    fields = dict(re.findall(r'name="(token|csrf)" value="([^"]+)"', body))
    assert (await client.post("/dash/login", data=fields, allow_redirects=False)).status == 303
    return client


async def test_a_check_in_stored_by_another_replica_moves_the_live_marker_of_an_open_page(any_db_url: str) -> None:
    replica_a, replica_b = Database(any_db_url), Database(any_db_url)  # two processes' engines, one database
    ids = await make_org(replica_a)
    app = web.Application()
    dashboard.mount(app, Runtime(config=org_config(), secrets=Secrets(), db=replica_a), clock=lambda: NOW)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    client = await signed_in(server, replica_a, ids["alice"])
    try:
        async def marker(scope: str) -> str:
            answer = await client.get(f"/dash/live?scope={scope}")
            assert answer.status == 200
            return (await answer.json())["version"]

        before = {scope: await marker(scope) for scope in ("kr:activation", "team", "insights")}
        assert await marker("kr:activation") == before["kr:activation"]  # nothing new, nothing moves
        chat = FakeChat(Router(org_config(), replica_b, clock=lambda: NOW))
        await chat.say(ALICE, "checkin")
        await chat.submit(ALICE, {f"kr.{ids['onboarding-days']}.value": "21", f"kr.{ids['onboarding-days']}.confidence": "7",
                                  f"kr.{ids['activation']}.value": "48", f"kr.{ids['activation']}.confidence": "6"})
        for scope, version in before.items():
            assert await marker(scope) != version, scope
        page = await (await client.get("/dash/kr/activation")).text()
        assert "48%" in page and f'data-version="{await marker("kr:activation")}"' in page
    finally:
        await client.close()
        await server.close()
        await replica_a.dispose()
        await replica_b.dispose()


async def test_a_value_sent_through_the_http_api_shows_on_the_key_result_page_and_moves_its_marker(db: Database) -> None:
    from bot import api
    from storage.repositories.tokens import create_token
    from tests.manager_team import NOW as TEAM_NOW
    from tests.manager_team import seed_team

    async with db.transaction() as session:
        team = await seed_team(session)
        token = await create_token(session, "warehouse", "key-results:write", TEAM_NOW)
    app = web.Application()
    dashboard.mount(app, Runtime(config=org_config(), secrets=Secrets(), db=db), clock=lambda: TEAM_NOW)
    api.mount(app, db, clock=lambda: TEAM_NOW)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    client = await signed_in(server, db, team.id("Maya"))
    try:
        before = (await (await client.get("/dash/live?scope=kr:activation")).json())["version"]
        sent = await client.post("/api/v1/key-results/activation/values", json={"value": 37.5, "source": "warehouse"},
                                 headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "w-1"})
        assert sent.status in (200, 201), await sent.text()
        after = (await (await client.get("/dash/live?scope=kr:activation")).json())["version"]
        assert after != before
        page = await (await client.get("/dash/kr/activation")).text()
        assert "37.5%" in page and "sent by warehouse" in page and "from other tools" in page  # table and legend
    finally:
        await client.close()
        await server.close()
