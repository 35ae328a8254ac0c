"""A migrated database with the sample organisation, a token per scope, and a client of the
API application at a fixed instant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import api
from storage.db import Database
from storage.repositories.tokens import create_token
from tests.cadence_fixtures import utc
from tests.import_helpers import import_sample_org

NOW = utc(2026, 11, 30, 9)


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class ApiClient:
    client: TestClient
    db: Database
    clock: Clock
    tokens: dict[str, str] = field(default_factory=dict)  # scope → secret

    def auth(self, scope: str = "key-results:write", **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[scope]}", **headers}

    async def post_value(self, key: str, body: dict, *, idem: str = "k-1", scope: str = "key-results:write"):
        return await self.client.post(f"/api/v1/key-results/{key}/values", json=body,
                                      headers=self.auth(scope, **{"Idempotency-Key": idem}))


async def make_tokens(db: Database, now: datetime = NOW) -> dict[str, str]:
    tokens = {}
    async with db.transaction() as session:
        for scope in ("key-results:read", "key-results:write", "admin"):
            tokens[scope] = await create_token(session, f"{scope}-token", scope, now)
    return tokens


@asynccontextmanager
async def api_client(db: Database, *, with_org: bool = True) -> AsyncIterator[ApiClient]:
    if with_org:
        await import_sample_org(db)
    clock = Clock()
    app = web.Application()
    api.mount(app, db, clock=clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield ApiClient(client, db, clock, await make_tokens(db))
