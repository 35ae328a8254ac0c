"""Signing in to the dashboard: a link works once, for 15 minutes, only through the page's
POST; sessions are server-side, revocable, in a hardened cookie; forms carry CSRF tokens."""

from __future__ import annotations

import re
from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bot.config import Secrets
from bot.runtime import Runtime
from bot.web import app as dashboard
from bot.web.links import issue_link
from storage.dashboard_tables import DashboardLink, DashboardSession
from tests.dashboard_rig import CSRF, DashRig, csrf_of, dashboard_config, rig  # noqa: F401
from tests.manager_team import NOW

TOKEN = re.compile(r'name="token" value="([^"]+)"')


async def continue_page(client, link: str) -> tuple[str, str, str]:
    page = await client.get(link)
    body = await page.text()
    assert page.status == 200, body
    return body, TOKEN.search(body).group(1), CSRF.search(body).group(1)  # type: ignore[union-attr]


async def test_the_link_page_names_the_person_and_signs_in_only_on_its_post(rig: DashRig) -> None:
    async with rig.client() as client:
        body, token, csrf = await continue_page(client, await rig.link("Ben"))
        assert "Continue as Ben" in body
        assert (await client.get("/dash/", allow_redirects=False)).status == 401  # the GET signed no one in
        answer = await client.post("/dash/login", data={"token": token, "csrf": csrf}, allow_redirects=False)
        assert answer.status == 303 and answer.headers["Location"] == "/dash/"
        cookie = answer.cookies["outcomebot_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"] and cookie["path"] == "/dash"
        home = await client.get("/dash/")
        assert home.status == 200 and "Checkout p95 latency" in await home.text()


async def test_a_link_preview_bot_fetching_the_link_leaves_it_usable_and_nobody_signed_in(rig: DashRig) -> None:
    link = await rig.link("Ben")
    async with rig.client() as bot:  # an unfurler: GETs the URL, never posts the form
        for _ in range(3):
            assert (await bot.get(link)).status == 200
        assert (await bot.get("/dash/", allow_redirects=False)).status == 401
    async with rig.client() as person:
        _, token, csrf = await continue_page(person, link)
        assert (await person.post("/dash/login", data={"token": token, "csrf": csrf}, allow_redirects=False)).status == 303


async def test_a_link_used_twice_signs_in_only_the_first_time(rig: DashRig) -> None:
    link = await rig.link("Ben")
    async with rig.client() as first, rig.client() as second:
        _, token, csrf_first = await continue_page(first, link)
        _, _, csrf_second = await continue_page(second, link)
        assert (await first.post("/dash/login", data={"token": token, "csrf": csrf_first}, allow_redirects=False)).status == 303
        again = await second.post("/dash/login", data={"token": token, "csrf": csrf_second}, allow_redirects=False)
        assert again.status == 410 and "cannot be used" in await again.text()
        assert (await second.get("/dash/", allow_redirects=False)).status == 401
        assert (await second.get(link)).status == 410  # and its page says so


async def test_an_expired_link_signs_nobody_in(rig: DashRig) -> None:
    url = await issue_link(rig.db, rig.config, person_id=rig.team.id("Ben"), now=NOW - timedelta(minutes=16))
    link = url.split("127.0.0.1:3000", 1)[1]
    async with rig.client() as client:
        assert (await client.get(link)).status == 410
        async with rig.db.session() as session:
            [stored] = (await session.exec(select(DashboardLink))).all()
        assert stored.token_hash not in link  # only the hash is stored
        answer = await client.post("/dash/login", data={"token": link.split("token=")[1], "csrf": "x"},
                                   cookies={"outcomebot_login": "x"}, allow_redirects=False)
        assert answer.status == 410
        assert (await client.get("/dash/", allow_redirects=False)).status == 401


async def test_a_login_post_without_the_pages_csrf_cookie_is_refused(rig: DashRig) -> None:
    link = await rig.link("Ben")
    async with rig.client() as client:
        _, token, csrf = await continue_page(client, link)
    async with rig.client() as attacker:  # another site posting the form: no cookie from our page
        answer = await attacker.post("/dash/login", data={"token": token, "csrf": csrf}, allow_redirects=False)
        assert answer.status == 403
        assert (await attacker.get("/dash/", allow_redirects=False)).status == 401


async def test_sign_out_ends_this_session_and_sign_out_everywhere_ends_all(rig: DashRig) -> None:
    phone, laptop, tablet = await rig.signed_in("Maya"), await rig.signed_in("Maya"), await rig.signed_in("Maya")
    try:
        assert (await phone.post("/dash/logout", data={"csrf": "forged"})).status == 403  # no CSRF token, no effect
        assert (await phone.get("/dash/")).status == 200
        assert (await phone.post("/dash/logout", data={"csrf": await csrf_of(phone)})).status == 200
        assert (await phone.get("/dash/", allow_redirects=False)).status == 401
        assert (await laptop.get("/dash/")).status == 200
        answer = await laptop.post("/dash/logout-everywhere", data={"csrf": await csrf_of(laptop)})
        assert "signed out everywhere (2 browsers)" in await answer.text()
        for client in (laptop, tablet):
            assert (await client.get("/dash/team", allow_redirects=False)).status == 401
        async with rig.db.session() as session:
            assert all(s.revoked_at for s in (await session.exec(select(DashboardSession))).all())
    finally:
        for client in (phone, laptop, tablet):
            await client.close()


async def test_sessions_end_after_the_configured_lifetime(db, rig: DashRig) -> None:
    clock = [NOW]
    config = dashboard_config(session_hours=2)
    app = web.Application()
    dashboard.mount(app, Runtime(config=config, secrets=Secrets(), db=db), clock=lambda: clock[0])
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        url = await issue_link(db, config, person_id=rig.team.id("Ben"), now=NOW)
        _, token, csrf = await continue_page(client, url.split("127.0.0.1:3000", 1)[1])
        answer = await client.post("/dash/login", data={"token": token, "csrf": csrf}, allow_redirects=False)
        assert answer.cookies["outcomebot_session"]["max-age"] == "7200"
        clock[0] = NOW + timedelta(hours=1, minutes=59)
        assert (await client.get("/dash/")).status == 200
        clock[0] = NOW + timedelta(hours=2, minutes=1)
        assert (await client.get("/dash/", allow_redirects=False)).status == 401


async def test_cookies_are_secure_when_the_dashboard_is_public_over_https(db, rig: DashRig) -> None:
    config = dashboard_config(public_url="https://okrs.example.com/")
    app = web.Application()
    dashboard.mount(app, Runtime(config=config, secrets=Secrets(), db=db), clock=lambda: NOW)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        url = await issue_link(db, config, person_id=rig.team.id("Ben"), now=NOW)
        assert url.startswith("https://okrs.example.com/dash/login?token=")
        _, token, csrf = await continue_page(client, url.removeprefix("https://okrs.example.com"))
        # A browser sends the Secure sign-in cookie back over https only; this test server is http.
        answer = await client.post("/dash/login", data={"token": token, "csrf": csrf}, cookies={"outcomebot_login": csrf},
                                   allow_redirects=False)
        assert answer.cookies["outcomebot_session"]["secure"]


async def test_guessing_sign_in_tokens_is_rate_limited_but_opening_real_links_is_not(rig: DashRig) -> None:
    async with rig.client() as client:
        for _ in range(25):  # a busy admin opening links of their own
            assert (await client.get(await rig.link("Zoe"))).status == 200
        statuses = [(await client.get("/dash/login?token=guess-" + str(n))).status for n in range(25)]
        assert statuses[:20] == [410] * 20 and set(statuses[20:]) == {429}
        assert (await client.get(await rig.link("Zoe"))).status == 429  # then everyone from there waits
        assert (await client.post("/dash/login", data={"token": "x", "csrf": "y"})).status == 429


async def test_pages_forbid_inline_scripts_and_never_leak_the_link_in_a_referer(rig: DashRig) -> None:
    async with rig.client() as client:
        page = await client.get(await rig.link("Ben"))
        body = await page.text()
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "default-src 'none'" in policy
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    assert "<script>" not in body


async def test_the_access_log_never_records_a_sign_in_token(db, rig: DashRig, caplog) -> None:
    from bot.web.access_log import AccessLogWithoutQueries

    app = web.Application()
    dashboard.mount(app, Runtime(config=rig.config, secrets=Secrets(), db=db), clock=lambda: NOW)
    link = await rig.link("Ben")
    caplog.set_level("INFO", logger="aiohttp.access")
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(access_log_class=AccessLogWithoutQueries)  # as `serve` runs it
    async with TestClient(server) as client:
        assert (await client.get(link)).status == 200
        assert (await client.get("/dash", allow_redirects=False)).headers["Location"] == "/dash/"
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name == "aiohttp.access")
    assert '"GET /dash/login" 200' in logged and link.split("token=")[1] not in logged
