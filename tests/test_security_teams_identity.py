"""Nobody takes over someone else's Teams identity: foreign tenants are refused, an identity once
set is never re-bound, and the unauthenticated (Emulator) mode cannot move anyone's chat."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.identity_status import identity_conflict_lines
from bot.teams.activity_handler import FOREIGN_TENANT
from storage.identity_conflicts import IdentityConflict
from storage.models import Person
from tests import teams_activities as act
from tests.fake_connector import FakeConnector
from tests.orgchart import ALICE, MAYA, make_org
from tests.teams_harness import APP_ID, app_secrets, our_tenant_config, running_teams
from tests.test_teams_auth import bearer, bot_framework, only_local_network  # noqa: F401  (fixtures)

OTHER_TENANT = "0badbeef-0000-4000-8000-000000000666"
MAYA_ACCOUNT = act.user("29:maya", "aad-maya", "Maya")
EVE = act.user("29:eve", "aad-eve", "Eve")  # an attacker whose directory entry carries someone else's email
DIRECTORY = {
    "29:maya": {"id": "29:maya", "name": "Maya", "aadObjectId": "aad-maya", "email": MAYA},
    "29:eve": {"id": "29:eve", "name": "Eve", "aadObjectId": "aad-eve", "email": MAYA},
}


def from_tenant(activity: dict, tenant: str) -> dict:
    activity = copy.deepcopy(activity)
    activity["conversation"]["tenantId"] = tenant
    activity["channelData"]["tenant"]["id"] = tenant
    return activity


async def person(db, email: str) -> Person:
    async with db.session() as session:
        return (await session.exec(select(Person).where(Person.email == email))).one()


async def conflicts(db) -> list[IdentityConflict]:
    async with db.session() as session:
        return list((await session.exec(select(IdentityConflict))).all())


async def test_a_signed_activity_from_another_tenant_is_refused_politely_and_takes_over_nobody(db, bot_framework) -> None:
    await make_org(db)
    async with running_teams(db, config=our_tenant_config(), secrets=app_secrets(), members=DIRECTORY) as teams:
        token = bearer(bot_framework.token(audience=APP_ID, service_url=teams.url))
        assert (await teams.post(act.personal_install(teams.url, MAYA_ACCOUNT, "a:conv-maya"), headers=token)).status == 201
        maya_before = await person(db, MAYA)
        teams.connector.calls.clear()

        attack = from_tenant(act.personal_message(teams.url, EVE, "a:conv-eve", "okrs"), OTHER_TENANT)
        assert (await teams.post(attack, headers=token)).status == 201
        install = from_tenant(act.personal_install(teams.url, EVE, "a:conv-eve"), OTHER_TENANT)
        assert (await teams.post(install, headers=token)).status == 201

        answers = teams.connector.sent("a:conv-eve")
        assert [" ".join(answer.texts()) for answer in answers] == [FOREIGN_TENANT, FOREIGN_TENANT]
        assert teams.connector.sent("a:conv-maya") == []
    maya = await person(db, MAYA)
    assert maya.teams_user_id == "aad-maya"
    assert maya.teams_conversation_ref == maya_before.teams_conversation_ref
    assert maya.teams_conversation_ref["conversation"]["tenantId"] == act.TENANT
    async with db.session() as session:
        assert (await session.exec(select(Person).where(Person.teams_user_id == "aad-eve"))).first() is None


async def test_an_activity_whose_two_tenant_fields_disagree_is_refused(db, bot_framework) -> None:
    await make_org(db)
    async with running_teams(db, config=our_tenant_config(), secrets=app_secrets(), members=DIRECTORY) as teams:
        token = bearer(bot_framework.token(audience=APP_ID, service_url=teams.url))
        attack = act.personal_install(teams.url, EVE, "a:conv-eve")
        attack["channelData"]["tenant"]["id"] = OTHER_TENANT  # conversation.tenantId still says ours
        assert (await teams.post(attack, headers=token)).status == 201
        assert [" ".join(a.texts()) for a in teams.connector.sent("a:conv-eve")] == [FOREIGN_TENANT]
    assert (await person(db, MAYA)).teams_user_id is None


async def test_another_account_of_our_tenant_with_a_bound_persons_email_is_not_bound_and_status_shows_the_conflict(
    db, bot_framework, tmp_path: Path
) -> None:
    await make_org(db)  # Alice's teams_user_id "aad-alice" came from the people import
    directory = {"29:mallory": {"id": "29:mallory", "name": "Mallory", "aadObjectId": "aad-mallory", "email": ALICE}}
    mallory = act.user("29:mallory", "aad-mallory", "Mallory")
    async with running_teams(db, config=our_tenant_config(), secrets=app_secrets(), members=directory) as teams:
        token = bearer(bot_framework.token(audience=APP_ID, service_url=teams.url))
        for _ in range(2):
            message = act.personal_message(teams.url, mallory, "a:conv-mallory", "okrs")
            assert (await teams.post(message, headers=token)).status == 201
        answers = " ".join(" ".join(a.texts()) for a in teams.connector.sent("a:conv-mallory"))
    assert "I don't know you yet" in answers and "Median days to first value" not in answers
    alice = await person(db, ALICE)
    assert alice.teams_user_id == "aad-alice" and alice.teams_conversation_ref is None
    [conflict] = await conflicts(db)
    assert (conflict.person_id, conflict.claimed_id, conflict.tenant_id, conflict.times) == (
        alice.id, "aad-mallory", act.TENANT, 2)
    config = tmp_path / "app.yaml"
    config.write_text(f"database_url: {db.url}\n", encoding="utf-8")
    shown = await asyncio.to_thread(CliRunner().invoke, app, ["status", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert "identity conflicts: 1" in shown.output
    assert f"{ALICE} — email of a person bound to another Teams account: account aad-mallory" in shown.output


async def test_unauthenticated_activities_never_rebind_anyone_or_move_a_stored_chat(db) -> None:
    await make_org(db)
    attacker = await FakeConnector(members={"29:eve": {"id": "29:eve", "aadObjectId": "aad-eve", "email": ALICE}}).start()
    try:
        async with running_teams(db, members={"29:alice": {"id": "29:alice", "aadObjectId": "aad-alice", "email": ALICE}}) as teams:
            alice_account = act.user("29:alice", "aad-alice", "Alice")
            assert (await teams.post(act.personal_install(teams.url, alice_account, "a:conv-alice"))).status == 201
            stored = (await person(db, ALICE)).teams_conversation_ref
            assert stored["serviceUrl"] == teams.url

            # Alice's own AAD id, from the attacker's host: her future prompts must not go there.
            moved = act.personal_message(attacker.url, alice_account, "a:conv-attacker", "help")
            assert (await teams.post(moved)).status == 201
            # Another AAD id whose directory entry (on the attacker's host) carries Alice's email.
            claimed = act.personal_install(attacker.url, EVE, "a:conv-eve")
            assert (await teams.post(claimed)).status == 201
    finally:
        await attacker.close()
    alice = await person(db, ALICE)
    assert alice.teams_user_id == "aad-alice" and alice.teams_conversation_ref == stored
    assert sorted(c.reason for c in await conflicts(db)) == [
        "email of a person bound to another Teams account", "unauthenticated activity would move the stored chat"]
    lines = await identity_conflict_lines(db)
    assert lines[0] == "identity conflicts: 2 (nothing was changed; an admin decides)"
