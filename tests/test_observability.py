"""What an operator graphs and greps: Prometheus series, JSON logs with request ids, /readyz."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.config import Secrets, load_config
from bot.logs import use_log_format
from bot.runtime import Runtime
from bot.server import METRICS_KEY, TICKER_KEY, build_web_app, run_tick
from cadences.notifier import RetryLater
from storage import migrate
from storage.db import Database
from storage.repositories.outbox_stats import outbox_backlog
from tests.cadence_fixtures import add_person, utc
from tests.outbox_fakes import RecordingPlatform
from tests.test_sender import queue

NOW = utc(2026, 3, 2, 8)


def runtime_for(tmp_path: Path, url: str, extra: str = "") -> Runtime:
    path = tmp_path / "app.yaml"
    path.write_text(f"database_url: {url}\n{extra}", encoding="utf-8")
    config = load_config(path)
    return Runtime(config=config, secrets=Secrets(), db=Database(config.resolved_database_url))


def samples(body: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


class Busy(RecordingPlatform):
    name = "slack"

    async def deliver(self, message):
        raise RetryLater("429 Too Many Requests", retry_after=600)


async def test_metrics_show_deliveries_by_platform_and_outcome_the_outbox_and_tick_durations(tmp_path, sqlite_url):
    runtime = runtime_for(tmp_path, sqlite_url)
    await add_person(runtime.db, "ann@example.com", slack_user_id="UANN")  # her prompt meets a busy Slack
    await queue(runtime.db, 2)  # two messages for the terminal, delivered
    app = build_web_app(runtime, platforms={"console": RecordingPlatform(), "slack": Busy()}, scheduler=False)
    await run_tick(runtime, app[TICKER_KEY], app[METRICS_KEY], utc(2026, 3, 1, 12))
    await run_tick(runtime, app[TICKER_KEY], app[METRICS_KEY], NOW)
    app[METRICS_KEY].record_source_fetch("jira", "ok")
    async with TestClient(TestServer(app)) as client:
        found = samples(await (await client.get("/metrics")).text())
    assert found[("outcomebot_deliveries_total", (("outcome", "sent"), ("platform", "console")))] == 2
    assert found[("outcomebot_deliveries_total", (("outcome", "retried"), ("platform", "slack")))] == 1
    assert found[("outcomebot_outbox_depth", ())] == 1  # the prompt waits for its retry…
    assert found[("outcomebot_outbox_oldest_due_seconds", ())] == 0  # …which is not due yet
    assert found[("outcomebot_tick_seconds_count", ())] == 2
    assert found[("outcomebot_source_fetches_total", (("result", "ok"), ("source", "jira")))] == 1
    await runtime.close()


async def test_the_oldest_due_message_age_says_how_far_behind_the_outbox_is(db: Database) -> None:
    await queue(db, 3)  # due at NOW
    async with db.session() as session:
        depth, oldest = await outbox_backlog(session, NOW + timedelta(minutes=5))
    assert (depth, oldest) == (3, NOW)


async def test_every_request_is_timed_per_endpoint_and_answers_with_its_request_id(tmp_path, sqlite_url):
    runtime = runtime_for(tmp_path, sqlite_url)
    app = build_web_app(runtime, scheduler=False)
    async with TestClient(TestServer(app)) as client:
        given = await client.get("/healthz", headers={"X-Request-Id": "lb-1234"})
        assert given.headers["X-Request-Id"] == "lb-1234"
        made_up = await client.get("/healthz", headers={"X-Request-Id": "<script>"})
        assert made_up.headers["X-Request-Id"] != "<script>" and len(made_up.headers["X-Request-Id"]) == 32
        missing = await client.get("/nowhere")
        assert missing.status == 404 and missing.headers["X-Request-Id"]
        found = samples(await (await client.get("/metrics")).text())
    assert found[("outcomebot_inbound_seconds_count", (("endpoint", "/healthz"), ("method", "GET")))] == 2
    assert found[("outcomebot_inbound_seconds_count", (("endpoint", "unmatched"), ("method", "GET")))] == 1
    await runtime.close()


async def test_json_logs_carry_the_request_id_of_the_request_being_handled(tmp_path, sqlite_url):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    use_log_format("json", [handler])
    logger = logging.getLogger("outcomebot.test.requests")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    async def work(_request: web.Request) -> web.Response:
        logger.info("handling it")
        return web.Response(text="done")

    runtime = runtime_for(tmp_path, sqlite_url, "log_format: json\n")
    app = build_web_app(runtime, scheduler=False, extra_routes=[("POST", "/work", work)])
    try:
        async with TestClient(TestServer(app)) as client:
            assert (await client.post("/work", headers={"X-Request-Id": "req-42"})).status == 200
        logger.info("between requests")
    finally:
        logger.removeHandler(handler)
        await runtime.close()
    during, after = (json.loads(line) for line in out.getvalue().splitlines())
    assert during["message"] == "handling it" and during["request_id"] == "req-42"
    assert during["level"] == "INFO" and during["logger"] == "outcomebot.test.requests"
    assert after["request_id"] is None


async def test_readiness_fails_while_migrations_are_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0003")
    runtime = runtime_for(tmp_path, url)
    app = build_web_app(runtime, scheduler=False)
    async with TestClient(TestServer(app)) as client:
        ready = await client.get("/readyz")
        assert ready.status == 503 and "db upgrade" in (await ready.json())["status"]
        migrate.upgrade(url)
        assert (await client.get("/readyz")).status == 200
    await runtime.close()


async def test_a_replica_of_the_previous_release_stays_ready_after_the_new_release_migrated(tmp_path: Path) -> None:
    """Rolling upgrade: the database holds a revision this code has never seen (a newer release's)."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'db.db'}"
    migrate.upgrade(url)
    with sqlite3.connect(tmp_path / "db.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_next_release'")
    runtime = runtime_for(tmp_path, url)
    app = build_web_app(runtime, scheduler=False)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/readyz")).status == 200
    await runtime.close()


def test_the_access_log_line_of_a_request_carries_its_request_id() -> None:
    from bot.logs import RequestIdFilter

    record = logging.LogRecord("aiohttp.access", logging.INFO, __file__, 1, "GET /healthz 200", (), None)
    record.response_header = {"X-Request-Id": "lb-77"}  # as aiohttp's access logger passes it
    assert RequestIdFilter().filter(record) and record.request_id == "lb-77"
