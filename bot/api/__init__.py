"""The JSON API under `/api/v1/` (tokens, key result values, outcomes, check-in export).

`mount(app, runtime)` adds it to the `serve` application as a sub-application with its own
middleware (authentication, problem documents), so the chat platforms' routes are untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import orjson
from aiohttp import web

from bot.api.auth import auth_middleware
from bot.api.export import export_handler
from bot.api.openapi import openapi_document
from bot.api.routes import ENDPOINTS, JSON_TYPE, Handlers
from storage.db import Database

PREFIX = "/api/v1"


def _real_clock() -> datetime:
    return datetime.now(timezone.utc)


def build_api(db: Database, *, clock: Callable[[], datetime] = _real_clock) -> web.Application:
    handlers = Handlers(db, clock)
    document = orjson.dumps(openapi_document())

    async def openapi(_request: web.Request) -> web.Response:
        return web.Response(body=document, content_type=JSON_TYPE)

    by_name = {"openapi": openapi, "post-value": handlers.post_value, "get-values": handlers.get_values,
               "key-results": handlers.list_key_results, "outcomes": handlers.outcomes,
               "check-ins": export_handler(db)}
    scopes = {e.name: e.scope for e in ENDPOINTS}
    api = web.Application(middlewares=[auth_middleware(db, scopes, clock, checked_on_write={"post-value"})])
    for endpoint in ENDPOINTS:
        api.router.add_route(endpoint.method, endpoint.path, by_name[endpoint.name], name=endpoint.name)
    return api


def mount(app: web.Application, db: Database, *, clock: Callable[[], datetime] = _real_clock) -> None:
    app.add_subapp(PREFIX, build_api(db, clock=clock))
