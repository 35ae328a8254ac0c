"""A whole `serve`-like app for browser tests: the Slack endpoint (with the fake Slack Web API)
and the dashboard on one local server, running on an event loop in a thread of its own so a
synchronous Playwright browser can talk to it; tests/orgchart.py's organisation on SQLite.

Chromium is Debian's (`apt-get install chromium`; .ci/run installs it): Playwright cannot
download its own browser here.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Secrets
from bot.router import Router
from bot.runtime import Runtime
from bot.slack.app import SlackBot
from bot.slack.wiring import SlackWiring
from bot.web import app as dashboard
from storage.db import Database
from tests import slack_requests as rq
from tests.fake_slack import FakeSlack
from tests.manager_team import NOW as TEAM_NOW
from tests.manager_team import seed_team
from tests.orgchart import NOW, make_org, org_config
from tests.slack_harness import SlackRig

T = TypeVar("T")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_HINT = "browser tests need Debian's Chromium: `apt-get install -y chromium` (.ci/run does it)"


@dataclass
class LiveServer:
    loop: asyncio.AbstractEventLoop
    rig: SlackRig
    base_url: str
    config_file: Path

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 20) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def cli_link(self, email: str) -> str:
        """The link `outcomebot dashboard link --as EMAIL` prints, as an admin would get it."""
        done = subprocess.run([sys.executable, "-m", "bot", "dashboard", "link", "--as", email, "--config",
                               str(self.config_file)], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def live_server(sqlite_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> tuple[SlackRig, TestServer]:
        db = Database(sqlite_url)
        fake = await FakeSlack().start()
        ids = await make_org(db)
        config = org_config(slack_api_url=fake.api_url)
        secrets = Secrets(slack_bot_token="xoxb-test", slack_signing_secret=rq.SIGNING_SECRET, slack_app_token=None)
        bot = SlackBot(config=config, secrets=secrets, db=db, router=Router(config, db, clock=lambda: NOW),
                       clock=lambda: NOW)
        app = web.Application()
        SlackWiring(bot).mount(app)
        dashboard.mount(app, Runtime(config=config, secrets=secrets, db=db), clock=lambda: NOW)
        server = TestServer(app, host="127.0.0.1")
        client = TestClient(server)
        await client.start_server()
        return SlackRig(fake, bot, client, db, ids), server

    rig, server = asyncio.run_coroutine_threadsafe(start(), loop).result(30)
    base_url = str(server.make_url("")).rstrip("/")
    config_file = tmp_path / "app.yaml"
    config_file.write_text(f"database_url: {sqlite_url}\nweb:\n  public_url: {base_url}\n", encoding="utf-8")
    live = LiveServer(loop, rig, base_url, config_file)
    try:
        yield live
    finally:
        async def stop() -> None:
            await rig.http.close()
            await rig.bot.close()
            await rig.fake.stop()
            await rig.db.dispose()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture
def chromium() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(CHROMIUM_HINT)
        pytest.skip(CHROMIUM_HINT)
    from playwright.sync_api import sync_playwright

    args = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-dev-shm-usage"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=args, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def has_horizontal_overflow(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


@dataclass
class HistoryServer:
    """The dashboard alone over tests/manager_team.py's eight weeks of check-ins."""

    loop: asyncio.AbstractEventLoop
    db: Database
    base_url: str
    people: dict[str, int]

    def link(self, name: str) -> str:
        from bot.web.links import issue_link

        config = org_config(web={"public_url": self.base_url})
        return asyncio.run_coroutine_threadsafe(
            issue_link(self.db, config, person_id=self.people[name], now=TEAM_NOW), self.loop).result(20)


@pytest.fixture
def history_server(sqlite_url: str) -> Iterator[HistoryServer]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> tuple[Database, TestServer, dict[str, int]]:
        db = Database(sqlite_url)
        async with db.transaction() as session:
            team = await seed_team(session)
        people = {name: person.id for name, person in team.people.items()}
        app = web.Application()
        dashboard.mount(app, Runtime(config=org_config(), secrets=Secrets(), db=db), clock=lambda: TEAM_NOW)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        return db, server, people

    db, server, people = asyncio.run_coroutine_threadsafe(start(), loop).result(30)
    try:
        yield HistoryServer(loop, db, str(server.make_url("")).rstrip("/"), people)
    finally:
        async def stop() -> None:
            await server.close()
            await db.dispose()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
