"""Who may post to /api/messages: a Bot Framework token when an app id is set; never a 500."""

from __future__ import annotations

import logging
import socket

import jwt
import pytest
from sqlmodel import select

from bot.config import AppConfig
from bot.runtime import Runtime
from bot.teams.auth import UNAUTHENTICATED_WARNING, teams_wanted
from bot.teams.endpoint import build_teams
from storage.models import Person
from tests import teams_activities as act
from tests.orgchart import make_org, org_config
from tests.teams_harness import app_secrets, emulator_secrets, running_teams

BOB = act.user("29:bob", "aad-bob", "Bob")


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
    return jwt.encode(claims, "not-the-key", algorithm="HS256")


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
    async with running_teams(db, config=org_config(), secrets=app_secrets(tenant=tenant)) as teams:
        activity = act.personal_message(teams.url, BOB, "a:conv-bob", "okrs")
        response = await teams.post(activity, headers={"Authorization": header} if header is not None else {})
        assert response.status == 401
        assert "token" in (await response.json())["error"]
        assert teams.connector.attempts == 0 and teams.connector.sent() == []
    async with db.session() as session:
        assert all(p.teams_conversation_ref is None for p in (await session.exec(select(Person))).all())


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
