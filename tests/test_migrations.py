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


async def test_a_key_results_wins_and_everyones_recent_values_are_read_through_an_index_on_sqlite(db) -> None:
    """The key-result page's wins and an admin's insights (values since a date) would otherwise
    read every win and every value ever reported (migration 0012)."""
    from datetime import datetime, timezone

    from sqlalchemy import event

    from storage.repositories.dashboard import values_since, wins_of_key_result

    statements: list[tuple[str, object]] = []
    sync_engine = db.engine.sync_engine
    listener = lambda _conn, _cursor, sql, params, _context, _many: statements.append((sql, params))  # noqa: E731
    event.listen(sync_engine, "before_cursor_execute", listener)
    try:
        async with db.session() as session:
            await wins_of_key_result(session, 1)
            await values_since(session, None, since=datetime(2026, 10, 1, tzinfo=timezone.utc))
    finally:
        event.remove(sync_engine, "before_cursor_execute", listener)
    plans = []
    async with db.engine.connect() as conn:
        for sql, params in statements:
            rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
            plans.append(" | ".join(row[-1] for row in rows))
    [wins_plan] = [plan for (sql, _), plan in zip(statements, plans) if "FROM win" in sql]
    [values_plan] = [plan for (sql, _), plan in zip(statements, plans) if "FROM kr_update" in sql]
    assert "USING INDEX ix_win_key_result_id" in wins_plan, wins_plan
    assert "USING INDEX ix_kr_update_created_at" in values_plan, values_plan
