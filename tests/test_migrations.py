from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage import migrate
from storage.db import sync_url

EXPECTED_TABLES = {
    "person", "team", "leave_period", "outcome", "objective", "key_result", "cadence",
    "prompt_schedule", "checkin", "kr_update", "blocker", "win", "nudge", "delivery",
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
