"""Migration 0011 moves teams' Slack and Teams channels into team_channel rows, and back."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import create_engine, inspect, text

from storage import migrate
from storage.db import sync_url
from tests.migration_helpers import as_json, read_rows, revision_before


BEFORE = revision_before("0011_team_channels")
TEAMS_REF = {"conversation": {"id": "19:platform@thread.tacv2", "tenantId": "tenant-1"},
             "serviceUrl": "https://smba.example/"}
TEAMS = "INSERT INTO team (id, name, slack_channel_id, teams_channel_ref) VALUES (:id, :name, :slack, :ref)"


def _teams_before(url: str) -> None:
    command.downgrade(migrate.alembic_config(url), BEFORE)  # the fixtures' databases are at the head
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            for id_, name, slack, ref in (
                (1, "Platform", "C0PLATFORM", TEAMS_REF),  # on both
                (2, "Growth", "C0GROWTH", None),  # Slack only
                (3, "Sales", None, {"conversation": {"id": "19:sales@thread.tacv2"}}),  # Teams only
                (4, "Ops", None, None),  # none: the JSON null the ORM stored for "no reference"
                (5, "Legal", None, "SQL NULL"),  # none
            ):
                conn.execute(text(TEAMS), {"id": id_, "name": name, "slack": slack,
                                           "ref": None if ref == "SQL NULL" else json.dumps(ref)})
            # A person of a team, so the team rows cannot simply be rebuilt empty.
            conn.execute(text("INSERT INTO person (id, email, name, timezone, country, team_id, is_admin, active,"
                              " created_at) VALUES (1, 'ana@x.com', 'Ana', 'UTC', 'DE', 1, false, true,"
                              " '2026-11-23 07:00:00')"))
    finally:
        engine.dispose()



def test_upgrade_moves_every_team_channel_into_rows_with_the_teams_conversation_as_its_address(any_db_url: str) -> None:
    url = any_db_url
    _teams_before(url)
    migrate.upgrade(url)
    rows = read_rows(url, "SELECT team_id, platform, address, reference FROM team_channel ORDER BY team_id, platform")
    assert [(t, platform, address, as_json(ref)) for t, platform, address, ref in rows] == [
        (1, "slack", "C0PLATFORM", None),
        (1, "teams", "19:platform@thread.tacv2", TEAMS_REF),
        (2, "slack", "C0GROWTH", None),
        (3, "teams", "19:sales@thread.tacv2", {"conversation": {"id": "19:sales@thread.tacv2"}}),
    ]
    engine = create_engine(sync_url(url))
    try:
        columns = {column["name"] for column in inspect(engine).get_columns("team")}
    finally:
        engine.dispose()
    assert not columns & {"slack_channel_id", "teams_channel_ref"}
    assert read_rows(url, "SELECT id, team_id FROM person") == [(1, 1)]


def test_downgrade_puts_the_channels_back_on_teams_and_upgrading_again_moves_them_again(any_db_url: str) -> None:
    url = any_db_url
    _teams_before(url)
    migrate.upgrade(url)
    command.downgrade(migrate.alembic_config(url), BEFORE)
    back = read_rows(url, "SELECT id, name, slack_channel_id, teams_channel_ref FROM team ORDER BY id")
    assert [(id_, name, slack, as_json(ref)) for id_, name, slack, ref in back] == [
        (1, "Platform", "C0PLATFORM", TEAMS_REF), (2, "Growth", "C0GROWTH", None),
        (3, "Sales", None, {"conversation": {"id": "19:sales@thread.tacv2"}}), (4, "Ops", None, None),
        (5, "Legal", None, None),
    ]
    migrate.upgrade(url)
    assert read_rows(url, "SELECT count(*) FROM team_channel") == [(4,)]
