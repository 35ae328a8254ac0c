"""Setting up pull sources: okrs.yaml checks with line numbers, `sources check`, `status`,
the backoff rule, and the serve scheduler's job."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from cadences.sources.schedule import next_after_failure, next_after_success
from storage.importers.okr_file import read_okr_file
from tests.cadence_fixtures import utc
from tests.fake_sources import GITHUB_TOKEN, FakeServices, start

NOW = utc(2026, 11, 30, 9)
BROKEN = """\
period: 2026-Q4
outcomes:
  - key: o
    title: O
    objectives:
      - title: Obj
        key_results:
          - key: B
            title: b
            owner: maya.chen@example.com
            baseline: 0
            target: 10
            source:
              kind: jira
              jql: "project = CS"
              tokn_env: X
          - key: C
            title: c
            owner: maya.chen@example.com
            baseline: 0
            target: 10
            source: {kind: http-json, url: "ftp://x", path: "data.[", token_env: "sk-live-123"}
          - key: D
            title: d
            owner: maya.chen@example.com
            baseline: 0
            target: 10
            source: {kind: csv}
          - key: E
            title: e
            owner: maya.chen@example.com
            baseline: 0
            target: 10
            source: {kind: sql, url: "${WAREHOUSE URL}", query: "select 1", every: 10s}
"""


def test_broken_source_blocks_are_reported_with_their_lines() -> None:
    _outcomes, problems = read_okr_file(BROKEN)
    assert problems == [
        (16, "unknown key 'tokn_env' in the jira source of key result 'B' (did you mean 'token_env'?)"),
        (14, "the jira source of key result 'B' is missing base_url"),
        (22, "token_env of the http-json source of key result 'C' must name an environment variable (e.g. "
             "GITHUB_TOKEN), not hold the token itself"),
        (22, "url of the http-json source of key result 'C' must start with https:// (or http://)"),
        (22, "path of the http-json source of key result 'C' is not a JMESPath expression (Invalid jmespath "
             "expression: Incomplete expression:)"),
        (28, "source of key result 'D' needs kind: one of sql, github, jira, http-json, not 'csv'"),
        (34, "url of the sql source of key result 'E' refers to ${WAREHOUSE URL}, which is not an environment "
             "variable name"),
        (34, "every of the sql source of key result 'E' must be a duration of at least a minute, like 15m, 2h or 1d"),
    ]


def test_failures_back_off_doubling_up_to_the_source_interval_and_honour_retry_after() -> None:
    waits = [next_after_failure(NOW, n, 3600) - NOW for n in range(1, 9)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60)]
    assert next_after_failure(NOW, 1, 3600, retry_after=300) == NOW + timedelta(minutes=5)
    assert next_after_success(NOW, 1800) == NOW + timedelta(minutes=30)


@pytest.fixture
def config_file(tmp_path: Path, sqlite_url: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(f"database_url: {sqlite_url}\n", encoding="utf-8")
    return path


OKRS = """\
period: 2026-Q4
outcomes:
  - key: delivery
    title: Work reaches customers
    objectives:
      - title: Ship
        key_results:
          - key: ENG-REL
            title: Releases shipped
            owner: priya.sharma@example.com
            baseline: 0
            target: 40
            source: {kind: github, api_url: "${FAKE_URL}", query: "repo:acme/app is:pr", token_env: GITHUB_TOKEN}
"""


async def test_sources_check_prints_what_each_source_returned_and_status_shows_the_last_error(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeServices()
    server = await start(fake)
    monkeypatch.setenv("FAKE_URL", str(server.make_url("")).rstrip("/"))
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    from storage.importers import SAMPLE_PEOPLE_CSV

    (tmp_path / "people.csv").write_text(SAMPLE_PEOPLE_CSV.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "okrs.yaml").write_text(OKRS, encoding="utf-8")

    def outcomebot(*args: str):
        return CliRunner().invoke(app, [*args, "--config", str(config_file)])

    async def cli(*args: str):
        return await asyncio.to_thread(outcomebot, *args)

    try:
        assert (await cli("import", str(tmp_path / "people.csv"))).exit_code == 0
        assert (await cli("import", str(tmp_path / "okrs.yaml"))).exit_code == 0
        checked = await cli("sources", "check")
        assert checked.exit_code == 0 and "ENG-REL (github): 12" in checked.output
        assert "source ENG-REL (github): no value yet" in (await cli("status")).output  # check stored nothing
        fake.github_answer = 401
        failed = await cli("sources", "check")
        assert failed.exit_code == 1 and "GitHub refused the token (401)" in failed.output
        assert GITHUB_TOKEN not in failed.output
    finally:
        await server.close()


def test_serve_runs_the_pull_sources_on_its_scheduler(tmp_path: Path, sqlite_url: str) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.config import Secrets, load_config
    from bot.runtime import Runtime
    from bot.server import SCHEDULER_KEY, build_web_app
    from storage.db import Database

    async def run() -> None:
        path = tmp_path / "app.yaml"
        path.write_text(f"database_url: {sqlite_url}\n", encoding="utf-8")
        config = load_config(path)
        runtime = Runtime(config=config, secrets=Secrets(), db=Database(config.resolved_database_url))
        web_app = build_web_app(runtime)
        async with TestClient(TestServer(web_app, host="127.0.0.1")) as client:
            job = web_app[SCHEDULER_KEY].get_job("sources")
            assert job is not None and job.max_instances == 1
            assert (await client.get("/api/v1/openapi.json")).status == 200
        await runtime.close()

    asyncio.run(run())
