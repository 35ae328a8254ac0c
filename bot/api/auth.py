"""Bearer-token authentication and scope checks for `/api/v1/`, as one aiohttp middleware.

Each route names the scope it needs (bot/api/routes.py). A missing, wrong or revoked token is
answered 401 and a token without the scope 403, before anything is written, so nothing
changes. Posting a value checks its token inside the transaction that writes it
(bot/api/value_writer.py: one lookup for a whole group instead of a read per request); the
middleware only makes sure such a request carries a Bearer token at all.
Any other error becomes a problem document; a failure of ours is logged without the request's
content and answered 500, never with a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime

from aiohttp import web

from bot.api.problems import Problem, field_error
from storage.db import Database
from storage.repositories.tokens import Caller, find_caller, last_use_is_stale, record_use

log = logging.getLogger(__name__)
CALLER_KEY = web.RequestKey("outcomebot.api.caller", Caller)
SECRET_KEY = web.RequestKey("outcomebot.api.secret", str)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="outcomebot"'}


def caller_of(request: web.Request) -> Caller:
    return request[CALLER_KEY]


def unknown_token() -> Problem:
    return Problem(401, "this API token is unknown or revoked",
                   errors=[field_error("Authorization", "unknown or revoked token", where="header")],
                   headers={"WWW-Authenticate": 'Bearer realm="outcomebot", error="invalid_token"'})


def missing_scope(caller: Caller, needed: str) -> Problem:
    return Problem(403, f"the token {caller.name!r} has scope {caller.scope}; this needs {needed}",
                   errors=[field_error("Authorization", f"needs scope {needed}", where="header")])


def bearer_secret(request: web.Request) -> str:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Problem(401, "send an API token as `Authorization: Bearer <token>` (`outcomebot token create`)",
                      errors=[field_error("Authorization", "missing or not a Bearer token", where="header")],
                      headers=_CHALLENGE)
    return secret.strip()


async def check_token(request: web.Request, db: Database, needed: str, clock: Callable[[], datetime]) -> Caller:
    async with db.session() as session:
        found = await find_caller(session, bearer_secret(request))
    if found is None:
        raise unknown_token()
    caller, last_used = found
    if not caller.allows(needed):
        raise missing_scope(caller, needed)
    request[CALLER_KEY] = caller
    now = clock()
    if last_use_is_stale(last_used, now):
        async with db.transaction() as session:
            await record_use(session, caller.token_id, now)
    return caller


def auth_middleware(db: Database, scopes: dict[str, str | None], clock: Callable[[], datetime],
                    checked_on_write: Collection[str] = ()):
    """`scopes` maps a route name to the scope it needs (None: public); routes in
    `checked_on_write` look their token up themselves, with their write."""

    @web.middleware
    async def authenticate(request: web.Request, handler):
        try:
            route_name = request.match_info.route.name
            if route_name is None or route_name not in scopes:
                exception = request.match_info.http_exception
                raise Problem(405 if exception is not None and exception.status == 405 else 404,
                              f"no API endpoint {request.method} {request.path}; see /api/v1/openapi.json")
            needed = scopes[route_name]
            if route_name in checked_on_write:
                request[SECRET_KEY] = bearer_secret(request)
            elif needed is not None:
                await check_token(request, db, needed, clock)
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
