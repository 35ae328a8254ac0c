"""The one aiohttp application `outcomebot serve` runs: health, metrics, platform webhooks, scheduler.

Routes: `GET /healthz` (the process is up), `GET /readyz` (the database answers and its
migrations are current), `GET /metrics` (Prometheus text, bot/metrics.py), plus whatever the
chat platforms mount. Every request gets a request id for its logs (bot/logs.py).

Platform hook — kept tiny on purpose. Each entry of the platform registry (bot.platforms)
may carry

    def mount(app: web.Application, runtime: Runtime) -> ChatPlatform | None

which adds its routes (`POST /slack/events`, `POST /api/messages`) and any startup/cleanup
hooks to `app`, and returns the ChatPlatform the outbox sender should deliver through.
`serve` calls the mounts of the platforms configured in this process (see `platform_mounts`). Tests can pass their own `mounts`, or plain
`extra_routes` as `(method, path, handler)` tuples.

The scheduler is APScheduler's AsyncIOScheduler with the in-memory job store — the database
is the durable state, so nothing about jobs needs persisting. The tick job runs every minute
with `max_instances=1` and `coalesce=True`: a slow tick is never run twice at once here, and
the row claims in cadences/ keep ticks of other processes from sending anything twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone

from aiohttp import web
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import api, http_limits
from bot.metrics import Metrics, observe_requests
from bot.platform import ChatPlatform
from bot.platforms import default_platforms, enabled_entries, outbound_platforms  # noqa: F401 (tick's opener)
from bot.web import app as dashboard
from bot.runtime import Runtime
from bot.ticker import Ticker, read_status
from cadences.sources.runner import SourceRunner
from storage.migrate import migrations_behind
from storage.repositories.outbox_stats import outbox_backlog

log = logging.getLogger(__name__)
Mount = Callable[[web.Application, Runtime], "ChatPlatform | None"]
Route = tuple[str, str, Callable]
TICKER_KEY = web.AppKey("ticker", Ticker)
SCHEDULER_KEY = web.AppKey("scheduler", AsyncIOScheduler)
METRICS_KEY = web.AppKey("metrics", object)
RUNNING_KEY = web.AppKey("running_jobs", set)
GRACE_KEY = web.AppKey("shutdown_grace_seconds", float)


def platform_mounts(runtime: Runtime) -> list[Mount]:
    """The mount functions of the registered platforms configured in this process (bot.platforms)."""
    mounts: list[Mount] = []
    for entry in enabled_entries(runtime):
        if entry.mount is None:
            log.warning("%s is configured but has no mount(app, runtime) yet; not serving it", entry.name)
        else:
            mounts.append(entry.mount)
    return mounts


def build_web_app(
    runtime: Runtime, *, platforms: Mapping[str, ChatPlatform] | None = None, mounts: Iterable[Mount] = (),
    extra_routes: Iterable[Route] = (), tick_seconds: float = 60, scheduler: bool = True,
) -> web.Application:
    metrics = Metrics()
    app = web.Application(client_max_size=http_limits.MAX_BODY_BYTES, middlewares=[observe_requests(metrics)])
    http_limits.install(app)
    chosen = dict(platforms) if platforms is not None else default_platforms()
    for mount in mounts:
        platform = mount(app, runtime)
        if platform is not None:
            chosen[platform.name] = platform
    for method, path, handler in extra_routes:
        app.router.add_route(method, path, handler)
    ticker = Ticker(runtime.config, runtime.db, chosen)
    app[TICKER_KEY] = ticker
    app[METRICS_KEY] = metrics
    app[GRACE_KEY] = runtime.config.shutdown_grace_seconds
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz(runtime))
    app.router.add_get("/metrics", _metrics(metrics))
    dashboard.mount(app, runtime)
    api.mount(app, runtime.db)  # /api/v1/ (bot/api)
    if scheduler:
        app.on_startup.append(_start_scheduler(runtime, ticker, metrics, tick_seconds))
        # on_shutdown runs before every on_cleanup hook: the tick finishes before platforms
        # close (their cleanups) and before `serve` disposes of the database (its cleanup, last).
        app.on_shutdown.append(_stop_scheduler)
    return app


async def run_tick(runtime: Runtime, ticker: Ticker, metrics: Metrics, now: datetime | None = None) -> None:
    """One scheduled pass; errors are logged, never raised into the scheduler."""
    now = now or datetime.now(timezone.utc)
    started = time.perf_counter()
    try:
        result = await ticker.tick(now)
        status = await read_status(runtime.db, now)
    except Exception:
        log.exception("tick at %s failed; the next one will retry", now.isoformat())
        return
    finally:
        metrics.tick_seconds.observe(time.perf_counter() - started)
    metrics.sent.inc(result.send.sent)
    metrics.failed.inc(result.send.failed)
    metrics.retried.inc(result.send.retried)
    metrics.unreachable.inc(result.send.unreachable)
    metrics.prompted.inc(result.plan.prompted)
    metrics.due.set(status.due_prompts + status.due_deliveries)
    for (platform, outcome), count in result.send.by_platform.items():
        metrics.deliveries.labels(platform=platform, outcome=outcome).inc(count)
    try:
        async with runtime.db.session() as session:
            metrics.record_outbox(*await outbox_backlog(session, now), now)
    except Exception:
        log.warning("reading the outbox backlog for /metrics failed", exc_info=True)


def _start_scheduler(runtime: Runtime, ticker: Ticker, metrics: Metrics, tick_seconds: float):
    async def start(app: web.Application) -> None:
        scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
            timezone=timezone.utc,
        )
        running: set[asyncio.Task] = set()
        app[RUNNING_KEY] = running

        def tracked(job):
            async def run(*args) -> None:
                task = asyncio.current_task()
                running.add(task)
                try:
                    await job(*args)
                except asyncio.CancelledError:
                    pass  # only a shutdown past its grace period cancels a job; it says so itself
                finally:
                    running.discard(task)

            return run

        scheduler.add_job(tracked(run_tick), IntervalTrigger(seconds=tick_seconds), args=(runtime, ticker, metrics),
                          id="tick", next_run_time=datetime.now(timezone.utc))
        sources = SourceRunner(runtime.db, os.environ)
        scheduler.add_job(tracked(run_sources), IntervalTrigger(seconds=tick_seconds), args=(sources, metrics), id="sources",
                          next_run_time=datetime.now(timezone.utc) + timedelta(seconds=10))
        scheduler.add_job(tracked(_plan_everyone), IntervalTrigger(hours=1), args=(ticker,), id="plan-everyone",
                          next_run_time=datetime.now(timezone.utc) + timedelta(seconds=5))
        scheduler.start()
        app[SCHEDULER_KEY] = scheduler

    return start


async def run_sources(sources: SourceRunner, metrics: Metrics | None = None, now: datetime | None = None) -> None:
    """Fetch the pull sources that are due (cadences/sources); errors are recorded per source."""
    try:
        results = await sources.run_due(now or datetime.now(timezone.utc))
        for result in results if metrics is not None else ():
            outcome = "ok" if result.error is None else ("rate_limited" if result.retry_after else "error")
            metrics.record_source_fetch(result.kind, outcome)
    except Exception:
        log.exception("pull sources could not be run; the next minute will retry")


async def _plan_everyone(ticker: Ticker) -> None:
    """Hourly safety net: schedules for anyone the per-tick check could not see."""
    try:
        await ticker.planner.plan(datetime.now(timezone.utc), everyone=True)
    except Exception:
        log.exception("planning everyone failed; the next hour will retry")


async def _stop_scheduler(app: web.Application) -> None:
    """Take no new work; let a tick in progress finish within the grace period, else stop it
    and release what it claimed (the rows go back to `pending` for the next process at once).

    APScheduler's `shutdown` cancels running coroutine jobs (and logs that as an ERROR), so
    the scheduler is paused first — no new job starts — and shut down only once idle.
    """
    scheduler = app.get(SCHEDULER_KEY)
    if scheduler is None or not scheduler.running:
        return
    scheduler.pause()
    app[TICKER_KEY].sender.stopping = True  # sends under way finish; no new batch starts
    await asyncio.sleep(0)  # a job submitted just before the pause starts and registers itself
    running = app.get(RUNNING_KEY) or set()
    grace = app[GRACE_KEY]
    if running:
        _done, pending = await asyncio.wait(set(running), timeout=grace)
        if pending:
            log.warning("a tick still running after the %gs grace period is stopped; the messages it had not "
                        "sent go back to the queue", grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
    try:
        released = await app[TICKER_KEY].sender.release_held()
    except Exception:  # the database is away: the leases expire on their own
        log.warning("could not release claimed messages at shutdown; they are retried when their lease expires")
    else:
        if released:
            log.info("released %d claimed messages at shutdown", released)
    scheduler.shutdown(wait=False)
    await asyncio.sleep(0)  # AsyncIOScheduler.shutdown runs on the next loop iteration


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _readyz(runtime: Runtime):
    """Ready when the database answers and has every migration this release needs."""
    async def readyz(_request: web.Request) -> web.Response:
        try:
            behind = await migrations_behind(runtime.db.engine)
        except Exception as exc:
            log.warning("database not reachable: %s", type(exc).__name__)
            return web.json_response({"status": "database unreachable"}, status=503)
        if behind:
            return web.json_response({"status": "migrations behind: run `outcomebot db upgrade`",
                                      "missing": sorted(behind)}, status=503)
        return web.json_response({"status": "ready"})

    return readyz


def _metrics(metrics: Metrics):
    async def serve_metrics(_request: web.Request) -> web.Response:
        body = generate_latest(metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return serve_metrics
