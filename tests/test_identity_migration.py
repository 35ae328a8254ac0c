"""Migration 0009 moves people's Slack and Teams ids into chat_identity rows, and back."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import create_engine, inspect, text

from storage import migrate
from storage.db import sync_url
from tests.migration_helpers import as_json, read_rows, revision_before

BEFORE = revision_before("0009_identities")
TEAMS_REF = {"conversation": {"id": "a:conv-ana", "tenantId": "tenant-1"}, "serviceUrl": "https://smba.example/"}
PEOPLE = (
    "INSERT INTO person (id, email, name, timezone, country, is_admin, active, created_at, slack_user_id,"
    " teams_user_id, teams_conversation_ref) VALUES (:id, :email, 'P', 'UTC', 'DE', false, true,"
    " '2026-11-23 07:00:00', :slack, :teams, :ref)"
)


def _people_before(url: str) -> None:
    command.downgrade(migrate.alembic_config(url), BEFORE)  # the fixtures' databases are at the head
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            for id_, email, slack, teams, ref in (
                (1, "ana@x.com", "U0ANA", "aad-ana", TEAMS_REF),  # on both
                (2, "ben@x.com", "U0BEN", None, None),  # Slack only
                (3, "cy@x.com", None, None, {"conversation": {"id": "a:conv-cy"}}),  # a chat, no AAD id yet
                (4, "dee@x.com", None, None, None),  # none
            ):
                conn.execute(text(PEOPLE), {"id": id_, "email": email, "slack": slack, "teams": teams,
                                            "ref": json.dumps(ref) if ref is not None else None})
    finally:
        engine.dispose()



def test_upgrade_moves_every_slack_and_teams_id_into_identities_with_the_teams_tenant(any_db_url: str) -> None:
    url = any_db_url
    _people_before(url)
    migrate.upgrade(url)
    rows = read_rows(url, "SELECT person_id, platform, external_id, tenant, conversation_ref FROM chat_identity"
                      " ORDER BY person_id, platform")
    assert [(p, platform, external, tenant, as_json(ref)) for p, platform, external, tenant, ref in rows] == [
        (1, "slack", "U0ANA", None, None),
        (1, "teams", "aad-ana", "tenant-1", TEAMS_REF),
        (2, "slack", "U0BEN", None, None),
        (3, "teams", None, None, {"conversation": {"id": "a:conv-cy"}}),
    ]
    engine = create_engine(sync_url(url))
    try:
        columns = {column["name"] for column in inspect(engine).get_columns("person")}
    finally:
        engine.dispose()
    assert not columns & {"slack_user_id", "teams_user_id", "teams_conversation_ref"}


def test_downgrade_puts_the_ids_back_on_people_and_upgrading_again_moves_them_again(any_db_url: str) -> None:
    url = any_db_url
    _people_before(url)
    migrate.upgrade(url)
    command.downgrade(migrate.alembic_config(url), BEFORE)
    back = read_rows(url, "SELECT id, slack_user_id, teams_user_id, teams_conversation_ref FROM person ORDER BY id")
    assert [(id_, slack, teams, as_json(ref)) for id_, slack, teams, ref in back] == [
        (1, "U0ANA", "aad-ana", TEAMS_REF), (2, "U0BEN", None, None),
        (3, None, None, {"conversation": {"id": "a:conv-cy"}}), (4, None, None, None),
    ]
    migrate.upgrade(url)
    assert read_rows(url, "SELECT count(*) FROM chat_identity") == [(4,)]
