from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage import migrate
from storage.db import sync_url

EXPECTED_TABLES = {
    "person", "team", "leave_period", "outcome", "objective", "key_result", "cadence",
    "prompt_schedule", "checkin", "kr_update", "blocker", "win", "nudge", "delivery", "api_token",
    "key_result_value", "key_result_source",
    "processed_event",
}


def _check_schema(url: str) -> None:
    engine = create_engine(sync_url(url))
    try:
        tables = set(inspect(engine).get_table_names())
        assert EXPECTED_TABLES <= tables
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
    finally:
        engine.dispose()


def test_migrations_build_the_whole_schema_from_empty_on_sqlite(sqlite_url: str) -> None:
    _check_schema(sqlite_url)


def test_migrations_build_the_whole_schema_from_empty_on_postgresql(pg_url: str) -> None:
    _check_schema(pg_url)


def test_upgrade_twice_is_harmless(sqlite_url: str) -> None:
    migrate.upgrade(sqlite_url)
    _check_schema(sqlite_url)


def test_there_is_exactly_one_migration_head() -> None:
    assert len(migrate.current_heads()) == 1


def test_upgrade_posts_the_wins_whose_announcement_was_sent_and_links_the_waiting_ones(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'before-0004.db'}"
    migrate.upgrade(url, "0003")
    engine = create_engine(sync_url(url))
    delivery = ("INSERT INTO delivery (idempotency_key, platform, address, template, context, status, attempts,"
                " next_attempt_at, created_at) VALUES (:key, :platform, 'C1', 'win_announcement', '{}', :status, 0,"
                " '2026-11-23 07:00:00', '2026-11-23 07:00:00')")
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO person (id, email, name, timezone, country, is_admin, active, created_at)"
                              " VALUES (1, 'a@x', 'A', 'UTC', 'DE', 0, 1, '2026-11-23 07:00:00')"))
            for win_id in (1, 2, 3):
                conn.execute(text("INSERT INTO win (id, person_id, text, share, status, created_at) VALUES"
                                  " (:id, 1, 'won', 1, 'approved', '2026-11-23 07:00:00')"), {"id": win_id})
            conn.execute(text(delivery), {"key": "win:1:slack", "platform": "slack", "status": "sent"})  # announced
            conn.execute(text(delivery), {"key": "win:2:teams", "platform": "teams", "status": "pending"})  # waiting
            conn.execute(text(delivery), {"key": "win:3:slack", "platform": "slack", "status": "failed"})
        migrate.upgrade(url)
        with engine.connect() as conn:
            wins = conn.execute(text("SELECT id, status FROM win ORDER BY id")).all()
            links = conn.execute(text("SELECT idempotency_key, win_id FROM delivery ORDER BY id")).all()
    finally:
        engine.dispose()
    assert [tuple(w) for w in wins] == [(1, "posted"), (2, "approved"), (3, "approved")]
    assert [tuple(d) for d in links] == [("win:1:slack", None), ("win:2:teams", 2), ("win:3:slack", None)]
