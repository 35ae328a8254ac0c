"""What an unverified request may cost: the webhooks read bodies before they can check who sent them.

`POST /slack/events` and `POST /api/messages` must read a body to check its Slack signature
or Bot Framework token. Until that check passes, a request is *unverified*, and anyone can send
one. So, per application:

- at most `max_unverified` requests are being read and checked at once; beyond that the answer
  is 503 with `Retry-After` (Slack and the Bot Framework retry), without reading the body;
- a body larger than `max_body_bytes` is refused with 413 (from its Content-Length before
  reading anything, else as soon as it grows past the limit) — the limit fits the platforms'
  real payloads (a Slack modal submission with its whole view is tens of KB);
- a body must arrive within `body_seconds`, else 408;
- request headers must arrive within `header_seconds` of the connection opening (aiohttp's
  `keepalive_timeout`, which also closes idle keep-alive connections): see `server_settings`.

Verified work (the router, Slack's Web API, Teams' connector) happens after the slot is given
back, so a slow turn never holds one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MAX_BODY_BYTES = 512 * 1024
MAX_UNVERIFIED = 64
BODY_SECONDS = 10.0
HEADER_SECONDS = 15.0
LINGER_SECONDS = 1.0
_CHUNK = 64 * 1024


class Refused(Exception):
    """The request is not served; answer with `response` (the connection is closed after a
    body that was not read to its end)."""

    def __init__(self, status: int, text: str, *, close: bool, headers: dict[str, str] | None = None) -> None:
        super().__init__(text)
        self.response = web.Response(status=status, text=text, headers=headers)
        if close:
            self.response.force_close()


@dataclass
class UnverifiedRequests:
    max_unverified: int = MAX_UNVERIFIED
    max_body_bytes: int = MAX_BODY_BYTES
    body_seconds: float = BODY_SECONDS
    in_flight: int = field(default=0, init=False)

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """A slot for reading and checking one request; Refused (503) when none is free."""
        if self.in_flight >= self.max_unverified:
            raise Refused(503, "busy; retry shortly", close=True, headers={"Retry-After": "1"})
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1

    async def read_body(self, request: web.Request) -> bytes:
        """The whole body, within the size and time limits; Refused (413 / 408) otherwise."""
        if request.content_length is not None and request.content_length > self.max_body_bytes:
            raise _too_large(self.max_body_bytes)
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.body_seconds):
                async for chunk in request.content.iter_chunked(_CHUNK):
                    size += len(chunk)
                    if size > self.max_body_bytes:
                        raise _too_large(self.max_body_bytes)
                    chunks.append(chunk)
        except TimeoutError:
            raise Refused(408, "the request body did not arrive in time", close=True) from None
        return b"".join(chunks)


def _too_large(limit: int) -> Refused:
    return Refused(413, f"request body too large (at most {limit} bytes)", close=True)


UNVERIFIED_KEY = web.AppKey("unverified_requests", UnverifiedRequests)


def install(app: web.Application, limits: UnverifiedRequests | None = None) -> UnverifiedRequests:
    """The application's limits (created once; every webhook mounted on it shares them)."""
    if UNVERIFIED_KEY not in app:
        app[UNVERIFIED_KEY] = limits or UnverifiedRequests()
    return app[UNVERIFIED_KEY]


def limits_of(request: web.Request) -> UnverifiedRequests:
    return request.app[UNVERIFIED_KEY]


def server_settings(*, header_seconds: float = HEADER_SECONDS) -> dict[str, Any]:
    """Keyword arguments for `web.run_app` / aiohttp's server (its request handler's settings):
    a connection that has not sent a request's headers within `header_seconds` (from opening,
    or since its last request) is closed — `keepalive_timeout` is aiohttp's idle timeout, and a
    connection still waiting for headers is idle to it; and after a refused body the server
    drains what is still coming for at most `LINGER_SECONDS` (aiohttp's `lingering_time`,
    10 s by default) before closing."""
    return {"keepalive_timeout": header_seconds, "lingering_time": LINGER_SECONDS}
