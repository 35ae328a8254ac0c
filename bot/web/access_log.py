"""The HTTP access log without query strings: a dashboard sign-in link carries its one-time
token there (`/dash/login?token=…`), and secrets never reach a log. Otherwise aiohttp's usual
line (no Referer: it may be such a link) plus the request id the response carries (bot/logs.py)."""

from __future__ import annotations

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse


class AccessLogWithoutQueries(AbstractAccessLogger):
    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info('%s "%s %s" %s %s %.3fs "%s" request_id=%s', request.remote, request.method, request.path,
                         response.status, response.body_length, time, request.headers.get("User-Agent", "-"),
                         response.headers.get("X-Request-Id", "-"))
