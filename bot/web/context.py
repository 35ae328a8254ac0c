"""What every dashboard handler shares: the configuration, database and clock of the app."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.config import AppConfig
from bot.web.limits import AttemptLimiter
from messages.web import render_page
from storage.db import Database
from storage.models import Person


@dataclass
class DashboardState:
    config: AppConfig
    db: Database
    clock: Callable[[], datetime]
    limiter: AttemptLimiter = field(default_factory=AttemptLimiter)


STATE = web.AppKey("dashboard", DashboardState)
VIEWER = web.RequestKey("viewer", Person)  # the signed-in person
SESSION_ID = web.RequestKey("session_id", int)
CSRF = web.RequestKey("csrf", str)  # this session's CSRF token, in every form


def page(name: str, context: Mapping[str, Any], *, status: int = 200, request: web.Request | None = None) -> web.Response:
    """A rendered page; with the request, the signed-in person and CSRF token are passed along."""
    base: dict[str, Any] = {"viewer": None, "csrf": "", "live": None, "version": ""}
    if request is not None and VIEWER in request:
        base.update(viewer=request[VIEWER], csrf=request[CSRF])
    return web.Response(text=render_page(name, {**base, **context}), status=status, content_type="text/html",
                        charset="utf-8")
