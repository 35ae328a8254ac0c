"""The bot's outbound access token (Entra ID, through MSAL), fetched without blocking the event loop.

botbuilder makes fresh app credentials for every connector client it creates, and msrest asks
them for a token from `signed_session()` — a synchronous MSAL call that goes to Entra ID when
its cache is empty, on the event loop thread: every other request of the process would wait for
Microsoft's answer (and a fresh credentials object starts with an empty cache).

`OffLoopCredentialsFactory` wraps botbuilder's credentials factory: one credentials object per
(app, scope, authority) keeps MSAL's cache for the token's lifetime; the token is fetched in a
worker thread before the connector client is built, concurrent first sends share one fetch, and
the connector is handed msrest's own `BasicTokenAuthentication` holding that token, whose
`signed_session()` only sets the Authorization header (no I/O on the loop). Like
`signing_keys`, the cache is updated on the event loop thread only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from botframework.connector.auth import ServiceClientCredentialsFactory
from msrest.authentication import Authentication, BasicTokenAuthentication

log = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 5 * 60.0  # fetch again this long before the token expires
UNKNOWN_LIFETIME_SECONDS = 5 * 60.0  # a token that does not say when it expires: ask MSAL again then


def token_expiry(token: str, fetched_at: float) -> float:
    """When to stop using `token` (time.time() scale): its `exp` claim less a margin, when it has one."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        expires = float(claims["exp"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return fetched_at + UNKNOWN_LIFETIME_SECONDS
    return max(fetched_at, expires - REFRESH_MARGIN_SECONDS)


@dataclass
class CachedToken:
    """One credentials object's token: fetched in a thread, shared by concurrent callers."""

    credentials: Any  # botframework AppCredentials: get_access_token() is blocking I/O
    clock: Callable[[], float] = time.time
    token: str | None = None
    expires_at: float = 0.0
    fetches: int = 0
    _fetching: asyncio.Task | None = field(default=None, repr=False)

    async def get(self) -> str:
        if self.token is not None and self.clock() < self.expires_at:
            return self.token
        loop = asyncio.get_running_loop()
        task = self._fetching
        if task is None or task.done() or task.get_loop() is not loop:
            task = self._fetching = loop.create_task(self._fetch_and_store())
        # shield: one sender going away must not cancel the fetch the others wait for
        return await asyncio.shield(task)

    async def _fetch_and_store(self) -> str:
        self.fetches += 1
        token = await asyncio.to_thread(self.credentials.get_access_token)
        self.token, self.expires_at = token, token_expiry(token, self.clock())
        return token


def with_token(credentials: Any, token: str) -> Authentication:
    """Credentials for one connector client: `token` as its Bearer header, no I/O.

    msrest's documented token authentication; the app id is kept beside it for botbuilder
    code that reads it from the credentials it made (skills), as it reads it from its own.
    """
    prepared = BasicTokenAuthentication({"access_token": token})
    prepared.microsoft_app_id = credentials.microsoft_app_id
    return prepared


class OffLoopCredentialsFactory(ServiceClientCredentialsFactory):
    """botbuilder's credentials factory, with the outbound token fetched off the event loop."""

    def __init__(self, inner: ServiceClientCredentialsFactory, *, clock: Callable[[], float] = time.time) -> None:
        self.inner = inner
        self.clock = clock
        self.tokens: dict[tuple[Any, ...], CachedToken] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return await self.inner.is_valid_app_id(app_id)

    async def is_authentication_disabled(self) -> bool:
        return await self.inner.is_authentication_disabled()

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        key = (app_id, oauth_scope, (login_endpoint or "").lower(), validate_authority)
        cached = self.tokens.get(key)
        if cached is None:
            credentials = await self.inner.create_credentials(app_id, oauth_scope, login_endpoint, validate_authority)
            if not getattr(credentials, "microsoft_app_id", None) or not hasattr(credentials, "get_access_token"):
                return credentials  # no app id: the emulator trial sends without a token
            cached = self.tokens.setdefault(key, CachedToken(credentials, clock=lambda: self.clock()))
        return with_token(cached.credentials, await cached.get())
