"""Bot Framework signing keys, fetched without blocking the event loop.

botbuilder checks every inbound token against Microsoft's published signing keys, which its
`_OpenIdMetadata` cache refreshes daily (and at most hourly when a token names an unknown key)
with a synchronous `requests.get` — no timeout — inside async code: every other request of the
process (Slack, health checks, the scheduler) would wait for Microsoft's answer.

`install()` swaps in a subclass whose refresh does the two GETs in a worker thread with a
timeout, lets concurrent requests share one refresh, and updates the cache on the event loop
thread only, so a request never sees new timestamps with old keys. Everything else (key lookup,
endorsements, signature and claim checks) stays botbuilder's own.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import requests
from botframework.connector.auth import jwt_token_extractor

log = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 10.0


def _get_field(url: str, name: str, *, timeout: float) -> Any:
    response = requests.get(url, timeout=timeout)
    response.raise_for_status()
    try:
        return response.json()[name]
    except (ValueError, KeyError, TypeError):
        raise requests.RequestException(f"no {name!r} in the JSON at {url}") from None


def fetch_signing_keys(metadata_url: str, *, timeout: float = FETCH_TIMEOUT_SECONDS) -> list[dict[str, Any]]:
    """The JSON Web Keys behind an OpenID metadata document (blocking; run it in a thread)."""
    jwks_uri = _get_field(metadata_url, "jwks_uri", timeout=timeout)
    keys = _get_field(jwks_uri, "keys", timeout=timeout)
    if not isinstance(keys, list):
        raise requests.RequestException(f"the key set at {jwks_uri} is not a list")
    return keys


_BotbuilderOpenIdMetadata = jwt_token_extractor._OpenIdMetadata  # noqa: SLF001 - the class we extend


class OffLoopOpenIdMetadata(_BotbuilderOpenIdMetadata):
    """botbuilder's signing-key cache for one metadata URL, refreshed in a worker thread."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._refreshing: asyncio.Task | None = None

    async def _refresh(self) -> None:
        loop = asyncio.get_running_loop()
        task = self._refreshing
        if task is None or task.done() or task.get_loop() is not loop:
            task = self._refreshing = loop.create_task(self._fetch_and_store())
        # shield: one caller going away must not cancel the refresh the others wait for
        await asyncio.shield(task)

    async def _fetch_and_store(self) -> None:
        keys = await asyncio.to_thread(fetch_signing_keys, self.url)
        self.keys = keys
        self.last_updated = datetime.now()  # botbuilder compares with naive local time


def install() -> bool:
    """Make botbuilder create (and keep) off-loop key caches; idempotent. False if it cannot."""
    extractor = getattr(jwt_token_extractor, "JwtTokenExtractor", None)
    cache = getattr(extractor, "metadataCache", None)
    if not isinstance(cache, dict) or not hasattr(_BotbuilderOpenIdMetadata, "_refresh"):
        log.warning("Teams: this botbuilder version is unknown; signing keys are fetched on the event loop")
        return False
    jwt_token_extractor._OpenIdMetadata = OffLoopOpenIdMetadata  # noqa: SLF001
    for url, metadata in list(cache.items()):
        if not isinstance(metadata, OffLoopOpenIdMetadata):
            upgraded = OffLoopOpenIdMetadata(url)
            upgraded.keys, upgraded.last_updated = metadata.keys, metadata.last_updated
            cache[url] = upgraded
    return True
