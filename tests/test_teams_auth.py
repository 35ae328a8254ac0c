"""Who may post to /api/messages: a Bot Framework token when an app id is set; never a 500."""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import timedelta

import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer
from botframework.connector.auth import ChannelValidation, MicrosoftAppCredentials
from sqlmodel import select

from bot.config import AppConfig
from bot.runtime import Runtime
from bot.server import build_web_app, platform_mounts
from bot.teams.auth import UNAUTHENTICATED_WARNING, teams_wanted
from bot.teams.endpoint import build_teams
from storage.models import Person
from tests import teams_activities as act
from tests.fake_botframework_keys import KEYS_PATH, METADATA_PATH, FakeBotFrameworkKeys, private_key
from tests.fake_connector import FakeConnector
from tests.orgchart import BOB as BOB_EMAIL
from tests.orgchart import make_org, org_config
from tests.identity_helpers import linked
from tests.teams_harness import APP_ID, app_secrets, emulator_secrets, our_tenant_config, running_teams

BOB = act.user("29:bob", "aad-bob", "Bob")
DIRECTORY = {"29:bob": {"id": "29:bob", "name": "Bob", "aadObjectId": "aad-bob", "email": BOB_EMAIL}}
OUTBOUND_TOKEN = "token-the-bot-got-from-entra-id"


@pytest.fixture(autouse=True)
def only_local_network(monkeypatch):
    """Checking these tokens must not fetch anything from Microsoft (or anywhere else)."""
    real = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"tried to reach {host}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


def unsigned(claims: dict) -> str:
    return jwt.encode(claims, "not-the-key-" * 3, algorithm="HS256")  # signed, but not by Microsoft


BAD_HEADERS = {
    "missing": None,
    "empty": "",
    "bearer without token": "Bearer",
    "not a jwt": "Bearer not-a-token",
    "three garbage parts": "Bearer a.b.c",
    "wrong scheme": "Basic dXNlcjpwYXNz",
    "token from an unknown issuer": "Bearer " + unsigned({"iss": "https://evil.example", "aud": "x"}),
}


@pytest.mark.parametrize("tenant", [None, "72f988bf-0000-4000-8000-000000000001"], ids=["multi-tenant", "single-tenant"])
@pytest.mark.parametrize("header", list(BAD_HEADERS.values()), ids=list(BAD_HEADERS))
async def test_requests_without_a_valid_token_are_refused_with_401_and_change_nothing(db, tenant, header) -> None:
    await make_org(db)
    async with running_teams(db, config=our_tenant_config(), secrets=app_secrets(tenant=tenant)) as teams:
        activity = act.personal_message(teams.url, BOB, "a:conv-bob", "okrs")
        response = await teams.post(activity, headers={"Authorization": header} if header is not None else {})
        assert response.status == 401
        assert "token" in (await response.json())["error"]
        assert teams.connector.attempts == 0 and teams.connector.sent() == []
    async with db.session() as session:
        assert all(p.teams_conversation_ref is None for p in await linked(session, (await session.exec(select(Person))).all()))


async def test_emulator_mode_accepts_activities_without_a_token_and_warns_at_start(db, caplog) -> None:
    await make_org(db)
    with caplog.at_level(logging.WARNING, logger="bot.teams.auth"):
        async with running_teams(db, config=org_config(teams_allow_unauthenticated=True), secrets=emulator_secrets()) as teams:
            response = await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob", "help"))
            assert response.status == 201
            assert len(teams.connector.sent("a:conv-bob")) == 1
    assert UNAUTHENTICATED_WARNING in caplog.text


def test_without_an_app_id_teams_stays_off_unless_unauthenticated_trials_are_allowed(db) -> None:
    assert not teams_wanted(AppConfig(), emulator_secrets())
    assert teams_wanted(AppConfig(teams_allow_unauthenticated=True), emulator_secrets())
    assert teams_wanted(AppConfig(), app_secrets())
    with pytest.raises(ValueError, match="TEAMS_APP_ID"):
        build_teams(Runtime(config=AppConfig(), secrets=emulator_secrets(), db=db), dispatch=None)


def test_unauthenticated_setting_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("OUTCOMEBOT_TEAMS_ALLOW_UNAUTHENTICATED", "true")
    assert AppConfig().teams_allow_unauthenticated is True


async def test_bodies_that_are_not_activities_get_a_clear_4xx(db) -> None:
    async with running_teams(db, config=org_config(teams_allow_unauthenticated=True)) as teams:
        response = await teams.client.post("/api/messages", data=b"okrs", headers={"Content-Type": "text/plain"})
        assert response.status == 415
        response = await teams.client.post("/api/messages", data=b"{not json", headers={"Content-Type": "application/json"})
        assert response.status == 400
        response = await teams.client.post("/api/messages", json={"text": "no type"})
        assert response.status == 400
        response = await teams.client.post("/api/messages", json=["a", "list"])
        assert response.status == 400


@pytest.fixture
def bot_framework(monkeypatch):
    """Bot Framework's signing keys served from 127.0.0.1, and a fixed token for the bot's replies.

    `ChannelValidation.open_id_metadata_endpoint` is botbuilder's own override of the metadata
    URL (login.botframework.com otherwise); production leaves it alone. Replies need a token
    from Entra ID, which is not what these tests are about: the bot's credentials hand out a
    fixed one, and the fake connector records it.
    """
    keys = FakeBotFrameworkKeys().start()
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", keys.metadata_url)
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", lambda self, force_refresh=False: OUTBOUND_TOKEN)
    yield keys
    keys.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("tenant", [None, act.TENANT], ids=["multi-tenant", "single-tenant"])
async def test_a_message_signed_by_the_bot_framework_is_answered(db, bot_framework, tenant) -> None:
    await make_org(db)
    async with running_teams(db, config=our_tenant_config(), secrets=app_secrets(tenant=tenant), members=DIRECTORY) as teams:
        token = bot_framework.token(audience=APP_ID, service_url=teams.url)
        response = await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob", "okrs"), headers=bearer(token))
        assert response.status == 201
        [answer] = teams.connector.sent("a:conv-bob")
        assert "Your OKRs, Bob" in " ".join(answer.texts())
        assert answer.authorization == f"Bearer {OUTBOUND_TOKEN}"
    assert bot_framework.requests == [METADATA_PATH, KEYS_PATH]  # the keys came from the local fake only
    async with db.session() as session:
        [bob] = await linked(session, [(await session.exec(select(Person).where(Person.email == BOB_EMAIL))).one()])
        assert bob.teams_conversation_ref["conversation"]["id"] == "a:conv-bob"


FORGED = {
    "for another bot": {"audience": "11111111-0000-4000-8000-000000000bad"},
    "expired an hour ago": {"issued_ago": timedelta(hours=2)},
    "signed with another key": {"signing_key": private_key("forger")},
    "for another service url": {"service_url": "https://smba.trafficmanager.net/evil/"},
    "naming an unknown key": {"kid": "not-a-published-key"},
}


@pytest.mark.parametrize("forged", list(FORGED.values()), ids=list(FORGED))
async def test_signed_tokens_that_are_not_for_this_bot_or_no_longer_valid_get_401(db, bot_framework, forged) -> None:
    await make_org(db)
    async with running_teams(db, config=our_tenant_config(), secrets=app_secrets(), members=DIRECTORY) as teams:
        claims = {"audience": APP_ID, "service_url": teams.url, **forged}
        response = await teams.post(
            act.personal_message(teams.url, BOB, "a:conv-bob", "okrs"), headers=bearer(bot_framework.token(**claims))
        )
        assert response.status == 401
        assert teams.connector.attempts == 0 and teams.connector.sent() == []
    assert bot_framework.requests[:1] == [METADATA_PATH]  # the token was checked against the keys
    async with db.session() as session:
        assert all(p.teams_conversation_ref is None for p in await linked(session, (await session.exec(select(Person))).all()))


async def test_while_signing_keys_cannot_be_fetched_messages_get_503_and_a_retry_is_answered_once_they_can(
    db, bot_framework
) -> None:
    await make_org(db)
    bot_framework.metadata_status = 502
    async with running_teams(db, config=our_tenant_config(), secrets=app_secrets(), members=DIRECTORY) as teams:
        token = bot_framework.token(audience=APP_ID, service_url=teams.url)
        message = act.personal_message(teams.url, BOB, "a:conv-bob", "okrs")
        response = await teams.post(message, headers=bearer(token))
        assert response.status == 503 and "retry" in (await response.json())["error"]
        assert teams.connector.sent() == []
        bot_framework.metadata_status = 200
        response = await teams.post(message, headers=bearer(token))  # the Bot Framework's retry
        assert response.status == 201
        assert len(teams.connector.sent("a:conv-bob")) == 1


async def test_the_server_keeps_answering_while_signing_keys_are_fetched(db, bot_framework) -> None:
    """Fetching Microsoft's keys must not hold up /healthz, Slack or the scheduler on the event loop."""
    await make_org(db)
    bot_framework.keys_delay = 1.0
    runtime = Runtime(config=our_tenant_config(), secrets=app_secrets(), db=db)
    app = build_web_app(runtime, mounts=platform_mounts(runtime), scheduler=False)
    connector = await FakeConnector(members=DIRECTORY).start()
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    messages: list[asyncio.Task] = []
    try:
        token = bot_framework.token(audience=APP_ID, service_url=connector.url)
        messages = [
            asyncio.create_task(client.post(
                "/api/messages", json=act.personal_message(connector.url, BOB, "a:conv-bob", "help"), headers=bearer(token)
            ))
            for _ in range(3)
        ]
        assert await asyncio.to_thread(bot_framework.keys_requested.wait, 10)
        health = await client.get("/healthz")
        assert health.status == 200
        assert not bot_framework.keys_answered.is_set(), "/healthz waited for the signing keys"
        assert [response.status for response in await asyncio.gather(*messages)] == [201, 201, 201]
        assert len(connector.sent("a:conv-bob")) == 3
        assert bot_framework.requests.count(KEYS_PATH) == 1  # the three messages shared one fetch
    finally:
        await asyncio.gather(*messages, return_exceptions=True)
        await client.close()
        await connector.close()


def malformed(service_url: str) -> dict[str, dict]:
    """Activities botbuilder cannot deserialise or answer, each with one thing wrong."""
    def message() -> dict:
        return act.personal_message(service_url, BOB, "a:conv-bob", "okrs")

    broken = {name: message() for name in ("timestamp", "entities", "from", "serviceUrl", "conversation")}
    broken["timestamp"]["timestamp"] = "yesterday at nine"
    broken["entities"]["entities"] = {"type": "mention"}
    broken["from"]["from"] = "29:bob"
    del broken["serviceUrl"]["serviceUrl"]
    broken["conversation"]["conversation"] = "a:conv-bob"
    return broken


MALFORMED = list(malformed("http://127.0.0.1:1/"))


@pytest.mark.parametrize("header", ["Bearer x", "Bearer a.b.c"], ids=["not a jwt", "three garbage parts"])
@pytest.mark.parametrize("broken", MALFORMED)
async def test_a_bad_token_gets_401_whatever_the_activity_holds(db, header, broken) -> None:
    async with running_teams(db, config=our_tenant_config(), secrets=app_secrets()) as teams:
        response = await teams.post(malformed(teams.url)[broken], headers={"Authorization": header})
        assert response.status == 401
        assert "token" in (await response.json())["error"]
        assert teams.connector.attempts == 0


@pytest.mark.parametrize("broken", MALFORMED)
async def test_a_signed_but_malformed_activity_gets_400_and_the_next_message_is_answered(db, bot_framework, broken) -> None:
    await make_org(db)
    async with running_teams(db, config=our_tenant_config(), secrets=app_secrets(), members=DIRECTORY) as teams:
        token = bearer(bot_framework.token(audience=APP_ID, service_url=teams.url))
        response = await teams.post(malformed(teams.url)[broken], headers=token)
        assert response.status == 400
        assert "not a valid Bot Framework activity" in (await response.json())["error"]
        assert teams.connector.sent() == []
        response = await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob", "okrs"), headers=token)
        assert response.status == 201
        assert "Your OKRs, Bob" in " ".join(teams.connector.sent("a:conv-bob")[0].texts())


async def test_a_malformed_activity_in_emulator_mode_gets_400_without_echoing_its_text(db) -> None:
    async with running_teams(db, config=org_config(teams_allow_unauthenticated=True)) as teams:
        activity = malformed(teams.url)["timestamp"]
        activity["timestamp"] = "my secret plan"
        response = await teams.post(activity)
        assert response.status == 400
        assert "my secret plan" not in await response.text()


async def test_a_card_action_invoke_without_its_value_gets_400_not_500(db) -> None:
    await make_org(db)
    async with running_teams(db, config=org_config(teams_allow_unauthenticated=True), members=DIRECTORY) as teams:
        invoke = act.personal_message(teams.url, BOB, "a:conv-bob", "")
        invoke.update(type="invoke", name="adaptiveCard/action")
        response = await teams.post(invoke)
        assert response.status == 400
        assert (await teams.post(act.personal_message(teams.url, BOB, "a:conv-bob", "help"))).status == 201

