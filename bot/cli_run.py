"""`outcomebot serve`, `tick` and `status`: running the cadences."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Optional

import typer

from bot.cli import ConfigOption, app, fail, open_runtime, run_async, upgrade_database


def parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"--now {value!r} is not an ISO time; use e.g. 2026-03-02T08:00:00Z") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


@app.command()
def tick(
    config: ConfigOption = None,
    now: Annotated[Optional[str], typer.Option(help="Pretend it is this moment (ISO 8601, UTC if no offset).")] = None,
) -> None:
    """Run one scheduler pass (plan due prompts, send due messages), print counts, exit."""
    from bot.logs import use_log_format
    from bot.process import one_shot_tick_settings
    from bot.server import outbound_platforms
    from bot.ticker import Ticker

    moment = parse_now(now)
    runtime = open_runtime(config)
    use_log_format(runtime.config.log_format)
    upgrade_database(runtime)

    async def once():
        try:
            async with outbound_platforms(runtime) as platforms:
                return await Ticker(runtime.config, runtime.db, platforms).tick(moment)
        finally:
            await runtime.close()

    with one_shot_tick_settings():  # this process serves no requests (bot/process.py)
        result = run_async(once())
    for line in result.lines():
        typer.echo(line)


@app.command()
def status(
    config: ConfigOption = None,
    now: Annotated[Optional[str], typer.Option(help="Count what is due at this moment (ISO 8601).")] = None,
) -> None:
    """Show due prompts and deliveries, sent/failed/unreachable counts and the next prompt time."""
    from bot.cli import open_config, unusable_database_url
    from bot.status import NotReadable, UnusableURL, read_status_at

    moment = parse_now(now)
    url = open_config(config).resolved_database_url  # on a SQLite file, read without SQLAlchemy (bot/status.py)
    try:  # a database made by `init` is ready; migrating costs more than the whole status read
        try:
            status = read_status_at(url, moment)
        except NotReadable:  # tables missing or older, or no server: migrate (it says which), read again
            upgrade_database(open_runtime(config))
            status = read_status_at(url, moment)
    except UnusableURL as exc:
        raise unusable_database_url(exc) from None
    for line in status.report():
        typer.echo(line)


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
) -> None:
    """Run the HTTP server (webhooks, /healthz, /readyz, /metrics) and the every-minute scheduler."""
    from aiohttp import web

    from bot.http_limits import server_settings
    from bot.listen_policy import listen_refusal
    from bot.logs import use_log_format
    from bot.process import settle_heap
    from bot.server import build_web_app, platform_mounts
    from bot.web.access_log import AccessLogWithoutQueries

    runtime = open_runtime(config)
    use_log_format(runtime.config.log_format)
    refusal = listen_refusal(host, runtime.config, runtime.secrets)
    if refusal:
        raise fail(refusal)
    upgrade_database(runtime)
    if runtime.config.web.public_url is None:  # dashboard links point at this server
        local = runtime.config.web.model_copy(update={"local_url": f"http://{host}:{port}"})
        runtime.config = runtime.config.model_copy(update={"web": local})
    try:
        web_app = build_web_app(runtime, mounts=platform_mounts(runtime))
    except ValueError as exc:  # a platform's settings cannot work (e.g. Teams without a tenant)
        raise fail(str(exc)) from None
    settle_heap()  # once, before serving: no setting changes (bot/process.py)

    async def close(_app) -> None:
        await runtime.close()

    web_app.on_cleanup.append(close)
    typer.echo(f"Serving on http://{host}:{port} (health: /healthz, metrics: /metrics)")
    # Requests in progress at SIGTERM get the same grace period as the tick (aiohttp's default is 60 s).
    # The access log leaves out query strings: a dashboard sign-in link carries its token there.
    web.run_app(web_app, host=host, port=port, print=None, **server_settings(),
                shutdown_timeout=runtime.config.shutdown_grace_seconds, access_log_class=AccessLogWithoutQueries)
