"""Signing in to the dashboard: the "Continue as …" page, its POST, sessions and sign-out.

A GET of the sign-in link changes nothing — chat unfurlers and mail scanners fetch links — and
only the POST from that page (with its CSRF token) uses the link and starts a session. The
session is a random token in an HttpOnly, SameSite=Lax cookie (Secure when the dashboard is
served over https); the database keeps only its hash, so it can be revoked.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from aiohttp import web

from bot.web.context import CSRF, SESSION_ID, STATE, VIEWER, DashboardState, page
from bot.web.links import new_token, token_hash
from storage.repositories.dashboard_auth import (
    link_holder,
    redeem_link,
    revoke_all_sessions,
    revoke_session,
    session_person,
    start_session,
)

SESSION_COOKIE = "outcomebot_session"
LOGIN_CSRF_COOKIE = "outcomebot_login"
COOKIE_PATH = "/dash"
PUBLIC_PATHS = ("/dash/login", "/dash/static/")


def csrf_for(session_token: str) -> str:
    """The CSRF token of a session: derived from its secret, so only its own pages can know it."""
    return hashlib.sha256(f"csrf:{session_token}".encode()).hexdigest()


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given), expected)


@web.middleware
async def require_session(request: web.Request, handler):
    if request.path == "/dash":
        return web.Response(status=308, headers={"Location": "/dash/"})
    if request.path.startswith(PUBLIC_PATHS):
        return await handler(request)
    state: DashboardState = request.config_dict[STATE]
    token = request.cookies.get(SESSION_COOKIE)
    found = None
    if token:
        async with state.db.session() as session:
            found = await session_person(session, token_hash(token), now=state.clock())
    if found is None:
        if request.path == "/dash/live":
            return web.json_response({"signed_in": False}, status=401)
        return page("signed_out", {}, status=401)
    request[SESSION_ID], request[VIEWER] = found
    request[CSRF] = csrf_for(token)  # type: ignore[arg-type]
    if request.method == "POST":
        form = await request.post()
        if not same_token(form.get("csrf"), request[CSRF]):  # type: ignore[arg-type]
            return page("message", {"title": "Please try again", "text": "That form was out of date. Reload the page and try again."}, status=403)
    return await handler(request)


async def show_continue(request: web.Request) -> web.StreamResponse:
    state: DashboardState = request.config_dict[STATE]
    if state.limiter.blocked(request.remote or "?"):
        return _too_many()
    token = request.query.get("token", "")
    async with state.db.session() as session:
        person = await link_holder(session, token_hash(token), now=state.clock()) if token else None
    if person is None:
        state.limiter.failed(request.remote or "?")
        return _link_unusable()
    login_csrf = new_token()
    response = page("login", {"name": person.name, "token": token, "csrf": login_csrf})
    response.set_cookie(LOGIN_CSRF_COOKIE, login_csrf, httponly=True, samesite="Strict", path=COOKIE_PATH,
                        secure=state.config.web.secure_cookies, max_age=15 * 60)
    return response


async def sign_in(request: web.Request) -> web.StreamResponse:
    state: DashboardState = request.config_dict[STATE]
    if state.limiter.blocked(request.remote or "?"):
        return _too_many()
    form = await request.post()
    if not same_token(form.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE, "")):  # type: ignore[arg-type]
        return page("message", {"title": "Please open your link again",
                                "text": "This sign-in form could not be checked. Open the link from chat again."}, status=403)
    now = state.clock()
    session_token = new_token()
    async with state.db.transaction() as session:
        person_id = await redeem_link(session, token_hash(str(form.get("token", ""))), now=now)
        if person_id is not None:
            await start_session(session, token_hash=token_hash(session_token), person_id=person_id, now=now,
                                expires_at=now + timedelta(hours=state.config.web.session_hours))
    if person_id is None:
        state.limiter.failed(request.remote or "?")
        return _link_unusable()
    response = web.Response(status=303, headers={"Location": "/dash/"})
    response.set_cookie(SESSION_COOKIE, session_token, httponly=True, samesite="Lax", path=COOKIE_PATH,
                        secure=state.config.web.secure_cookies, max_age=int(state.config.web.session_hours * 3600))
    response.del_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    state: DashboardState = request.config_dict[STATE]
    async with state.db.transaction() as session:
        await revoke_session(session, request[SESSION_ID], now=state.clock())
    return _signed_out_response("You are signed out of this browser.")


async def sign_out_everywhere(request: web.Request) -> web.StreamResponse:
    state: DashboardState = request.config_dict[STATE]
    async with state.db.transaction() as session:
        count = await revoke_all_sessions(session, request[VIEWER].id, now=state.clock())
    return _signed_out_response(f"You are signed out everywhere ({count} {'browser' if count == 1 else 'browsers'}).")


def _signed_out_response(text: str) -> web.Response:
    response = page("message", {"title": "Signed out", "text": text + " Type `dashboard` to the bot for a new link."})
    response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


def _link_unusable() -> web.Response:
    return page("message", {"title": "This link cannot be used",
                            "text": "Sign-in links work once and for 15 minutes. Type `dashboard` to the bot for a new one."},
                status=410)


def _too_many() -> web.Response:
    response = page("message", {"title": "Too many attempts", "text": "Wait a few minutes, then open your link again."},
                    status=429)
    response.headers["Retry-After"] = "300"
    return response
