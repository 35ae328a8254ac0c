"""The Slack Web API client: where it points, and how it rides out rate limits and hiccups.

Short `Retry-After` waits are absorbed here; longer ones surface as `SlackApiError` (429) so
the outbox can reschedule the delivery instead of holding a sender task for a minute.
"""

from __future__ import annotations

import asyncio
import random

import aiohttp
from typing import Optional

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.retry_after import retry_after_seconds

SLACK_API_URL = "https://slack.com/api/"
# Longest Retry-After we wait for inline; the 3-second ack window is why it is small.
INLINE_RETRY_MAX_SECONDS = 2.0


class ShortRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """Retry a 429 once when Slack asks for a short wait; leave long waits to the caller."""

    def __init__(self, *, max_wait: float = INLINE_RETRY_MAX_SECONDS, max_retry_count: int = 1) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: Optional[HttpResponse] = None,
        error: Optional[Exception] = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after_seconds(response.headers)
        return wait is None or wait <= self.max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: Optional[HttpResponse] = None,
        error: Optional[Exception] = None,
    ) -> None:
        wait = retry_after_seconds(response.headers if response else None)
        state.next_attempt_requested = True
        await asyncio.sleep((1.0 if wait is None else wait) + random.random() * 0.1)
        state.increment_current_attempt()


def retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ShortRateLimitRetryHandler(),
        AsyncServerErrorRetryHandler(max_retry_count=1),
    ]


async def shared_session(client: AsyncWebClient) -> aiohttp.ClientSession:
    """One connection pool for every call of this client (slack_sdk otherwise opens a new
    aiohttp session per API call); created on first use inside the running loop."""
    if client.session is None or client.session.closed:
        client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))
    return client.session


async def close_session(client: AsyncWebClient) -> None:
    if client.session is not None and not client.session.closed:
        await client.session.close()


def api_base_url(configured: str | None) -> str:
    url = (configured or SLACK_API_URL).strip()
    return url if url.endswith("/") else url + "/"


def make_web_client(*, token: str | None, base_url: str | None, timeout: int = 10) -> AsyncWebClient:
    """A client for `token` at `OUTCOMEBOT_SLACK_API_URL` (or Slack's own), with our retries."""
    return AsyncWebClient(
        token=token,
        base_url=api_base_url(base_url),
        timeout=timeout,
        retry_handlers=retry_handlers(),
    )
