"""Bot Framework token checks on a thread of their own, so fetching signing keys never blocks.

botbuilder checks every inbound token against Microsoft's published signing keys, which it
caches and refreshes daily (and at most hourly when a token names an unknown key) with a
synchronous `requests.get` inside its async code. On the server's event loop every other
request of the process (Slack, health checks, the scheduler) would wait for Microsoft's answer.

So the checks run, through botbuilder's public `authenticate_request`, on one worker thread
with an event loop of its own (`TokenChecks`): a refresh blocks only that loop, the checks
queued behind it then find the keys fresh (one fetch for all of them), and the server's loop
keeps answering. A check that does not finish within FETCH_TIMEOUT_SECONDS is given up
(the caller answers 503, as when the keys cannot be fetched).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import requests

FETCH_TIMEOUT_SECONDS = 10.0
T = TypeVar("T")


class SigningKeysTimeout(requests.RequestException):
    """The token check waited too long for Microsoft's signing keys."""


class TokenChecks:
    """One daemon thread running an event loop for botbuilder's token checks (started on first use)."""

    def __init__(self, *, timeout: float = FETCH_TIMEOUT_SECONDS) -> None:
        self.timeout = timeout
        self.loop: asyncio.AbstractEventLoop | None = None
        self.started = threading.Lock()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self.started:
            if self.loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="teams-token-checks", daemon=True).start()
                self.loop = loop
        return self.loop

    async def run(self, check: Callable[..., Awaitable[T]], *args: Any) -> T:
        """`await check(*args)` on the token-check thread; its result or its exception here."""
        future = asyncio.run_coroutine_threadsafe(check(*args), self._running_loop())
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except asyncio.TimeoutError:
            raise SigningKeysTimeout(f"no signing keys within {self.timeout:.0f} s") from None


TOKEN_CHECKS = TokenChecks()  # one per process: botbuilder's key cache is process-wide too
