"""Pull sources: values fetched from GitHub, Jira, a second SQL database and a JSON endpoint
(local fakes on 127.0.0.1) arrive in the key result's history with their source; a failing
source is isolated, retried with backoff and reported."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from cadences.sources.runner import SourceRunner, status_lines
from storage.api_tables import KeyResultSource
from storage.db import Database
from storage.importers import import_okrs
from storage.models import KeyResult
from storage.repositories.sources import all_sources
from storage.repositories.values import key_result_history
from tests.cadence_fixtures import utc
from tests.fake_sources import GITHUB_TOKEN, JIRA_EMAIL, JIRA_TOKEN, FakeServices, start
from tests.import_helpers import import_sample_people

NOW = utc(2026, 11, 30, 9)
OKRS = """\
period: 2026-Q4
outcomes:
  - key: delivery
    title: Work reaches customers
    objectives:
      - title: Ship and support
        key_results:
          - key: ENG-REL
            title: Releases shipped
            owner: priya.sharma@example.com
            baseline: 0
            target: 40
            source: {{kind: github, api_url: "${{FAKE_URL}}", query: "repo:acme/app is:pr is:merged label:release", token_env: GITHUB_TOKEN}}
          - key: CS-TICKETS
            title: Tickets closed
            owner: priya.sharma@example.com
            baseline: 0
            target: 100
            source: {{kind: jira, base_url: "${{FAKE_URL}}", jql: "project = CS AND status = Done", token_env: JIRA_TOKEN, api: datacenter, every: 30m}}
          - key: CS-CLOUD
            title: Tickets closed (cloud)
            owner: priya.sharma@example.com
            baseline: 0
            target: 100
            source: {{kind: jira, base_url: "${{FAKE_URL}}", jql: "project = CS", email: {email}, token_env: JIRA_TOKEN, api: cloud}}
          - key: CS-ONB
            title: Median days to first value
            owner: priya.sharma@example.com
            baseline: 30
            target: 14
            source: {{kind: sql, url: "${{WAREHOUSE_URL}}", query: "select median_days from onboarding_kpi"}}
          - key: REV-ARR
            title: Annual recurring revenue
            owner: priya.sharma@example.com
            baseline: 1000
            target: 2000
            source: {{kind: http-json, url: "${{FAKE_URL}}/metrics/arr", path: "data.arr", token_env: METRICS_TOKEN}}
"""


@pytest.fixture
async def services() -> AsyncIterator[tuple[FakeServices, str]]:
    fake = FakeServices()
    server = await start(fake)
    yield fake, str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.fixture
def warehouse(tmp_path: Path) -> str:
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table onboarding_kpi (median_days real)")
        conn.execute("insert into onboarding_kpi values (18.5)")
    return f"sqlite:///{path}"


def environment(base_url: str, warehouse: str) -> dict[str, str]:
    return {"FAKE_URL": base_url, "WAREHOUSE_URL": warehouse, "GITHUB_TOKEN": GITHUB_TOKEN,
            "JIRA_TOKEN": JIRA_TOKEN, "METRICS_TOKEN": "metrics-token"}


async def _setup(db: Database) -> None:
    await import_sample_people(db)
    await import_okrs(db, OKRS.format(email=JIRA_EMAIL), source="okrs.yaml")


async def _current(db: Database) -> dict[str, float | None]:
    async with db.session() as session:
        return {kr.key: kr.current for kr in (await session.exec(select(KeyResult))).all()}


async def _states(db: Database) -> dict[str, KeyResultSource]:
    async with db.session() as session:
        return {item.key_result.key: item.source for item in await all_sources(session)}


async def test_every_kind_of_source_puts_its_value_into_the_history_with_its_source(any_db: Database, services, warehouse) -> None:
    fake, base = services
    db = any_db
    await _setup(db)
    results = await SourceRunner(db, environment(base, warehouse)).run_due(NOW)
    assert sorted(r.line() for r in results) == sorted([
        "ENG-REL (github): 12", "CS-TICKETS (jira): 37", "CS-CLOUD (jira): 37", "CS-ONB (sql): 18.5",
        "REV-ARR (http-json): 1250.5"])
    assert await _current(db) == {"ENG-REL": 12, "CS-TICKETS": 37, "CS-CLOUD": 37, "CS-ONB": 18.5, "REV-ARR": 1250.5}
    async with db.session() as session:
        kr = (await session.exec(select(KeyResult).where(KeyResult.key == "ENG-REL"))).one()
        history = await key_result_history(session, kr.id)
    assert [(p.at, p.value, p.source) for p in history] == [(NOW, 12.0, "github")]
    github = [r for r in fake.requests if r[1] == "/search/issues"]
    assert len(github) == 1 and github[0][2] == {"q": "repo:acme/app is:pr is:merged label:release", "per_page": "1"}
    assert github[0][3]["X-GitHub-Api-Version"] == "2022-11-28" and github[0][3]["Accept"] == "application/vnd.github+json"
    jira = [r for r in fake.requests if r[1] == "/rest/api/2/search"]
    assert len(jira) == 1 and jira[0][2]["maxResults"] == "0" and jira[0][3]["Authorization"] == f"Bearer {JIRA_TOKEN}"
    cloud = [r for r in fake.requests if r[1].endswith("approximate-count")]
    assert cloud[0][3]["Authorization"].startswith("Basic ")
    states = await _states(db)
    assert states["CS-TICKETS"].next_attempt_at == NOW + timedelta(minutes=30)
    assert states["ENG-REL"].next_attempt_at == NOW + timedelta(hours=1) and states["ENG-REL"].last_value == 12
    assert await SourceRunner(db, environment(base, warehouse)).run_due(NOW + timedelta(minutes=10)) == []


async def test_a_failing_source_does_not_stop_the_others_and_is_retried_with_backoff(db: Database, services, warehouse) -> None:
    fake, base = services
    await _setup(db)
    fake.github_answer, fake.jira_answer = 401, 429
    runner = SourceRunner(db, environment(base, warehouse))
    await runner.run_due(NOW)
    current = await _current(db)
    assert current["ENG-REL"] is None and current["CS-TICKETS"] is None
    assert current["CS-ONB"] == 18.5 and current["REV-ARR"] == 1250.5
    states = await _states(db)
    assert "refused the token (401)" in states["ENG-REL"].last_error
    assert states["ENG-REL"].next_attempt_at == NOW + timedelta(minutes=1)
    assert "rate limiting (429)" in states["CS-TICKETS"].last_error
    assert states["CS-TICKETS"].next_attempt_at == NOW + timedelta(seconds=120)  # Retry-After
    await runner.run_due(NOW + timedelta(minutes=1))
    assert (await _states(db))["ENG-REL"].next_attempt_at == NOW + timedelta(minutes=3)  # 1 min, then 2
    fake.github_answer, fake.jira_answer = 200, 200
    await runner.run_due(NOW + timedelta(minutes=3))
    states = await _states(db)
    assert states["ENG-REL"].failures == 0 and states["ENG-REL"].last_value == 12
    lines = status_lines(list((await _all(db))))
    eng = next(line for line in lines if line.startswith("source ENG-REL"))
    assert "last value 12" in eng and "last error" not in eng
    assert (await _current(db))["CS-TICKETS"] == 37


async def _all(db: Database):
    async with db.session() as session:
        return await all_sources(session)


async def test_github_rate_limit_waits_until_the_reset_time(db: Database, services, warehouse) -> None:
    fake, base = services
    await _setup(db)
    fake.github_answer, fake.rate_limit_reset = 403, int((NOW + timedelta(minutes=10)).timestamp())
    await SourceRunner(db, environment(base, warehouse)).run_due(NOW)
    state = (await _states(db))["ENG-REL"]
    assert "rate limiting (403)" in state.last_error
    assert state.next_attempt_at == NOW + timedelta(minutes=10)


async def test_a_value_the_key_result_cannot_take_is_refused_and_reported_not_stored(db: Database, services, warehouse) -> None:
    fake, base = services
    await _setup(db)
    fake.arr = -5
    await SourceRunner(db, environment(base, warehouse)).run_due(NOW)
    assert (await _current(db))["REV-ARR"] is None
    state = (await _states(db))["REV-ARR"]
    assert state.last_error.startswith("value refused: -5 is below 0")
    lines = status_lines(await _all(db))
    assert any(line.startswith("source REV-ARR (http-json): no value yet; last error at 2026-11-30T09:00") for line in lines)


async def test_missing_secrets_and_unreadable_answers_are_reported_per_source(db: Database, services, warehouse) -> None:
    fake, base = services
    await _setup(db)
    fake.arr = "lots"
    env = environment(base, warehouse)
    del env["GITHUB_TOKEN"]
    env["WAREHOUSE_URL"] = warehouse.replace("warehouse.db", "missing/nowhere.db")
    results = {r.key: r for r in await SourceRunner(db, env).check_all(NOW)}
    assert results["ENG-REL"].error == "the environment variable GITHUB_TOKEN (token_env) is not set"
    assert results["REV-ARR"].error == "path 'data.arr' gave 'lots', not a number"
    assert results["CS-ONB"].error.startswith("the query failed")
    assert results["CS-TICKETS"].value == 37
    assert await _current(db) == {key: None for key in results}  # check_all stores nothing


async def test_re_importing_without_a_source_removes_it_and_a_changed_source_is_fetched_again_soon(db: Database, services, warehouse) -> None:
    fake, base = services
    await _setup(db)
    await SourceRunner(db, environment(base, warehouse)).run_due(NOW)
    changed = OKRS.format(email=JIRA_EMAIL).replace("label:release", "label:hotfix")
    changed = changed.replace(', source: {kind: sql, url: "${WAREHOUSE_URL}", query: "select median_days from onboarding_kpi"}', "")
    changed = "\n".join(line for line in changed.splitlines() if "kind: sql" not in line) + "\n"
    await import_okrs(db, changed, source="okrs.yaml")
    states = await _states(db)
    assert "CS-ONB" not in states
    assert states["ENG-REL"].next_attempt_at is None and states["CS-TICKETS"].next_attempt_at is not None
