"""The HTTP side of `serve`: health, readiness, metrics, platform routes and the scheduler."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import load_config
from bot.runtime import Runtime
from bot.config import Secrets
from bot.server import METRICS_KEY, SCHEDULER_KEY, TICKER_KEY, build_web_app, run_tick
from storage.db import Database
from tests.cadence_fixtures import add_person, utc
from tests.outbox_fakes import RecordingPlatform


def _runtime(tmp_path: Path, url: str) -> Runtime:
    path = tmp_path / "app.yaml"
    path.write_text(f"database_url: {url}\n", encoding="utf-8")
    config = load_config(path)
    return Runtime(config=config, secrets=Secrets(), db=Database(config.resolved_database_url))


async def test_health_readiness_and_metrics_answer_and_the_scheduler_runs(tmp_path: Path, sqlite_url: str) -> None:
    runtime = _runtime(tmp_path, sqlite_url)

    async def hello(_request: web.Request) -> web.Response:
        return web.Response(text="hi")

    def mount_fake(app: web.Application, _runtime: Runtime):
        app.router.add_post("/fake/events", hello)
        return RecordingPlatform()

    app = build_web_app(runtime, mounts=[mount_fake])
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
        ready = await client.get("/readyz")
        assert ready.status == 200 and (await ready.json()) == {"status": "ready"}
        assert (await client.post("/fake/events")).status == 200
        scheduler = app[SCHEDULER_KEY]
        job = scheduler.get_job("tick")
        assert scheduler.running and job.max_instances == 1 and job.coalesce is True
        metrics = await client.get("/metrics")
        body = await metrics.text()
        assert "outcomebot_tick_seconds" in body and "outcomebot_deliveries_sent_total" in body
    assert not scheduler.running
    await runtime.close()


async def test_a_tick_through_the_server_counts_what_it_sent(tmp_path: Path, sqlite_url: str) -> None:
    runtime = _runtime(tmp_path, sqlite_url)
    await add_person(runtime.db, "ann@example.com")
    platform = RecordingPlatform()
    app = build_web_app(runtime, platforms={"console": platform}, scheduler=False)
    await run_tick(runtime, app[TICKER_KEY], app[METRICS_KEY], utc(2026, 3, 1, 12))
    await run_tick(runtime, app[TICKER_KEY], app[METRICS_KEY], utc(2026, 3, 2, 8))
    assert list(platform.received) == ["checkin:1:1:2026-W10:prompt"]
    assert app[METRICS_KEY].sent._value.get() == 1
    await runtime.close()


async def test_readiness_fails_when_the_database_is_gone(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path, f"sqlite:///{tmp_path}/missing/dir/x.db")
    app = build_web_app(runtime, scheduler=False)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200
        assert (await client.get("/readyz")).status == 503
    await runtime.close()
