"""Bearer-token authentication and scope checks for `/api/v1/`, as one aiohttp middleware.

Each route names the scope it needs (bot/api/routes.py). A missing, wrong or revoked token is
answered 401 and a token without the scope 403, before the handler runs, so nothing changes.
Any other error becomes a problem document; a failure of ours is logged without the request's
content and answered 500, never with a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from aiohttp import web

from bot.api.problems import Problem, field_error
from storage.db import Database
from storage.repositories.tokens import Caller, find_caller, last_use_is_stale, record_use

log = logging.getLogger(__name__)
CALLER_KEY = web.RequestKey("outcomebot.api.caller", Caller)
STALE_USE_KEY = web.RequestKey("outcomebot.api.stale_use", bool)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="outcomebot"'}


def caller_of(request: web.Request) -> Caller:
    return request[CALLER_KEY]


def auth_middleware(db: Database, scopes: dict[str, str | None], clock: Callable[[], datetime]):
    """`scopes` maps a route name to the scope it needs (None: public)."""

    @web.middleware
    async def authenticate(request: web.Request, handler):
        try:
            route_name = request.match_info.route.name
            if route_name is None or route_name not in scopes:
                raise Problem(404 if request.match_info.http_exception is None or
                              request.match_info.http_exception.status == 404 else 405,
                              f"no API endpoint {request.method} {request.path}; see /api/v1/openapi.json")
            needed = scopes[route_name]
            if needed is not None:
                await _check(request, db, needed, clock)
            return await handler(request)
        except Problem as problem:
            return problem.response()
        except web.HTTPException as exc:
            return Problem(exc.status, exc.reason or "request refused").response()
        except Exception:
            log.exception("API request %s %s failed", request.method, request.match_info.route.resource
                          and request.match_info.route.resource.canonical)
            return Problem(500, "the request could not be completed; it was not recorded, try again").response()

    return authenticate


async def _check(request: web.Request, db: Database, needed: str, clock: Callable[[], datetime]) -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Problem(401, "send an API token as `Authorization: Bearer <token>` (`outcomebot token create`)",
                      errors=[field_error("Authorization", "missing or not a Bearer token", where="header")],
                      headers=_CHALLENGE)
    async with db.session() as session:
        found = await find_caller(session, secret.strip())
    if found is None:
        raise Problem(401, "this API token is unknown or revoked",
                      errors=[field_error("Authorization", "unknown or revoked token", where="header")],
                      headers={"WWW-Authenticate": 'Bearer realm="outcomebot", error="invalid_token"'})
    caller, last_used = found
    if not caller.allows(needed):
        raise Problem(403, f"the token {caller.name!r} has scope {caller.scope}; this needs {needed}",
                      errors=[field_error("Authorization", f"needs scope {needed}", where="header")])
    request[CALLER_KEY] = caller
    now = clock()
    request[STALE_USE_KEY] = last_use_is_stale(last_used, now)
    if request[STALE_USE_KEY] and request.method == "GET":
        async with db.transaction() as session:
            await record_use(session, caller.token_id, now)
