"""The bot's outbound token comes from Entra ID without stalling the rest of the process."""

from __future__ import annotations

import asyncio
import threading
import time

import aiohttp
import jwt
import pytest
from botbuilder.integration.aiohttp import CloudAdapter
from botframework.connector.auth import MicrosoftAppCredentials

from bot.teams.auth import RequestAuthenticator, TeamsCredentials
from bot.teams.platform import TeamsPlatform
from tests.teams_harness import APP_ID
from tests.test_teams_delivery import add_person, connector, message_to  # noqa: F401 - connector is a fixture


def access_token(lifetime: float, now: float | None = None) -> str:
    expires = (time.time() if now is None else now) + lifetime
    return jwt.encode({"aud": "https://api.botframework.com", "exp": int(expires)}, "k" * 32, algorithm="HS256")


class SlowEntraId:
    """Stands in for MSAL's blocking call to Entra ID: it answers only when the test lets it."""

    def __init__(self, lifetime: float = 3600.0) -> None:
        self.lifetime = lifetime
        self.clock = time.time
        self.calls = 0
        self.tokens: list[str] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.in_progress = False

    def get_access_token(self, credentials, force_refresh: bool = False) -> str:
        self.calls += 1
        self.in_progress = True
        self.started.set()
        self.release.wait(timeout=5)  # returns as soon as the test releases it
        self.in_progress = False
        self.tokens.append(access_token(self.lifetime, self.clock()))
        return self.tokens[-1]


@pytest.fixture
def entra(monkeypatch) -> SlowEntraId:
    fake = SlowEntraId()
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", lambda credentials, force_refresh=False: fake.get_access_token(credentials))
    return fake


def app_platform(db) -> tuple[TeamsPlatform, RequestAuthenticator]:
    auth = RequestAuthenticator(TeamsCredentials(APP_ID, "not-a-real-password", None), allow_unauthenticated=False)
    return TeamsPlatform(adapter=CloudAdapter(auth.botframework), app_id=APP_ID, db=db), auth


async def test_other_requests_are_answered_while_the_bot_fetches_its_token_and_two_sends_share_one_fetch(
    db, connector, entra
) -> None:
    platform, _ = app_platform(db)
    person_id = await add_person(db, connector)
    sends = asyncio.gather(platform.deliver(message_to(person_id)), platform.deliver(message_to(person_id)))
    assert await asyncio.to_thread(entra.started.wait, 5)
    # While Entra ID has not answered yet, another request on the same event loop is served.
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{connector.url}v3/conversations/a:conv-ana/members/29:nobody") as response:
            assert response.status == 404
    assert entra.in_progress, "the other request had to wait until the token fetch was over"
    entra.release.set()
    await sends
    assert entra.calls == 1
    assert [c.authorization for c in connector.sent("a:conv-ana")] == [f"Bearer {entra.tokens[0]}"] * 2


async def test_token_is_kept_for_its_lifetime_and_fetched_again_before_it_expires(db, connector, entra) -> None:
    entra.release.set()
    platform, auth = app_platform(db)
    now = [time.time()]
    auth.outbound_tokens.clock = entra.clock = lambda: now[0]
    person_id = await add_person(db, connector)
    await platform.deliver(message_to(person_id))
    now[0] += 50 * 60  # 50 minutes later the one-hour token is still good
    await platform.deliver(message_to(person_id))
    assert entra.calls == 1
    now[0] += 6 * 60  # less than five minutes left: a fresh one
    await platform.deliver(message_to(person_id))
    assert entra.calls == 2
    assert [c.authorization for c in connector.sent()] == [f"Bearer {t}" for t in (entra.tokens[0], entra.tokens[0], entra.tokens[1])]


async def test_a_failed_token_fetch_is_retried_later_and_then_sends(db, connector, monkeypatch) -> None:
    from cadences.notifier import RetryLater

    answers: list[object] = [PermissionError("Failed to get access token with error: invalid_client"), access_token(3600)]

    def flaky(credentials, force_refresh: bool = False) -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", flaky)
    platform, _ = app_platform(db)
    person_id = await add_person(db, connector)
    with pytest.raises(RetryLater):
        await platform.deliver(message_to(person_id))
    assert connector.sent() == []
    await platform.deliver(message_to(person_id))
    assert len(connector.sent()) == 1
