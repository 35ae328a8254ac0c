"""The web dashboard under /dash/, mounted on the `serve` application.

A sub-application of its own, so its middlewares (security headers, sign-in) touch no other
route. Pages are server-rendered (messages/templates/web/); the only script is the small
live-update poller in static/. See README, "The dashboard".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from aiohttp import web

from bot.runtime import Runtime
from bot.web import auth, insights_page, pages, team_page, tree_page
from bot.web.context import STATE, DashboardState, page
from storage.models import utcnow

STATIC_DIR = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@web.middleware
async def security_headers(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        response = page("message", {"title": "Not found", "text": "There is nothing here you can open."}, status=404,
                        request=request)
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"  # the sign-in link's token never leaves in a Referer
    headers["X-Frame-Options"] = "DENY"
    if not request.path.startswith("/dash/static/"):
        headers["Cache-Control"] = "no-store"
    return response


def dashboard_app(runtime: Runtime, *, clock: Callable[[], datetime] | None = None) -> web.Application:
    dash = web.Application(middlewares=[security_headers, auth.require_session])
    dash[STATE] = DashboardState(runtime.config, runtime.db, clock or utcnow)
    dash.router.add_get("/login", auth.show_continue)
    dash.router.add_post("/login", auth.sign_in)
    dash.router.add_post("/logout", auth.sign_out)
    dash.router.add_post("/logout-everywhere", auth.sign_out_everywhere)
    dash.router.add_static("/static/", STATIC_DIR)
    dash.router.add_get("/", pages.home)
    dash.router.add_get("/outcomes", tree_page.outcomes)
    dash.router.add_get("/kr/{key}", pages.key_result)
    dash.router.add_get("/team", team_page.team)
    dash.router.add_get("/insights", insights_page.insights)
    dash.router.add_get("/live", pages.live)
    return dash


def mount(app: web.Application, runtime: Runtime, *, clock: Callable[[], datetime] | None = None) -> None:
    app.add_subapp("/dash", dashboard_app(runtime, clock=clock))
