"""Backups that restore: `backup` → `restore` and `export all` → `import` give back every row."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage import migrate
from storage.db import Database
from tests.backup_data import populate, table_rows
from tests.conftest import PG_ADMIN_URL

runner = CliRunner()


def config_for(folder: Path, url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "app.yaml"
    path.write_text(f"database_url: {url}\norganisation: {{country: DE}}\n", encoding="utf-8")
    return path


def populated(url: str) -> None:
    async def fill() -> None:
        db = Database(url)
        try:
            await populate(db)
        finally:
            await db.dispose()

    asyncio.run(fill())


def empty_sqlite(tmp_path: Path, name: str) -> tuple[str, Path]:
    url = f"sqlite:///{tmp_path / name / 'restored.db'}"
    config = config_for(tmp_path / name, url)
    assert runner.invoke(app, ["init", "--config", str(config)]).exit_code == 0
    return url, config


@pytest.fixture
def other_pg() -> str:
    """A second, empty PostgreSQL database (the pg_url fixture's server), dropped afterwards."""
    import psycopg

    name = f"outcomebot_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_sqlite_backup_restores_every_row(tmp_path: Path, sqlite_url: str) -> None:
    populated(sqlite_url)
    source = config_for(tmp_path / "live", sqlite_url)
    backup = tmp_path / "nightly.db"
    result = runner.invoke(app, ["backup", str(backup), "--config", str(source)])
    assert result.exit_code == 0, result.output
    assert backup.read_bytes().startswith(b"SQLite format 3\x00")
    assert backup.stat().st_mode & 0o777 == 0o600  # it holds everything people wrote
    target_url, target = empty_sqlite(tmp_path, "new")
    result = runner.invoke(app, ["restore", str(backup), "--config", str(target)])
    assert result.exit_code == 0, result.output
    assert "person: 9" in result.stdout
    assert table_rows(target_url) == table_rows(sqlite_url)


def test_export_all_then_import_gives_back_every_row(tmp_path: Path, any_db_url: str) -> None:
    populated(any_db_url)
    source = config_for(tmp_path / "live", any_db_url)
    result = runner.invoke(app, ["export", "all", "--out", str(tmp_path / "out"), "--config", str(source)])
    assert result.exit_code == 0, result.output
    exported = tmp_path / "out" / "outcomebot-all.jsonl"
    assert exported.stat().st_mode & 0o777 == 0o600
    lines = exported.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "outcomebot-all" and header["revision"] == list(migrate.current_heads())
    tables = {json.loads(line)["table"] for line in lines[1:]}
    assert {"person", "key_result", "checkin", "kr_update", "blocker", "win", "nudge", "delivery"} <= tables
    target_url, target = empty_sqlite(tmp_path, "new")
    result = runner.invoke(app, ["import", str(exported), "--config", str(target)])
    assert result.exit_code == 0, result.output
    assert table_rows(target_url) == table_rows(any_db_url)


def test_a_postgresql_backup_is_a_portable_archive_that_restores_into_postgresql(tmp_path: Path, pg_url: str,
                                                                                  other_pg: str) -> None:
    populated(pg_url)
    backup = tmp_path / "nightly.jsonl.gz"
    result = runner.invoke(app, ["backup", str(backup), "--config", str(config_for(tmp_path / "live", pg_url))])
    assert result.exit_code == 0, result.output
    with gzip.open(backup, "rt", encoding="utf-8") as handle:
        assert json.loads(handle.readline())["format"] == "outcomebot-all"
    target = config_for(tmp_path / "new", other_pg)
    result = runner.invoke(app, ["restore", str(backup), "--config", str(target)])
    assert result.exit_code == 0, result.output
    assert table_rows(other_pg) == table_rows(pg_url)

    async def add_someone() -> int:  # ids continue after the restored ones
        from tests.cadence_fixtures import add_person

        db = Database(other_pg)
        try:
            return await add_person(db, "new@x.com")
        finally:
            await db.dispose()

    assert asyncio.run(add_someone()) == 10


def test_a_sqlite_backup_restores_into_postgresql(tmp_path: Path, sqlite_url: str, other_pg: str) -> None:
    populated(sqlite_url)
    backup = tmp_path / "nightly.db"
    assert runner.invoke(app, ["backup", str(backup), "--config", str(config_for(tmp_path / "a", sqlite_url))]).exit_code == 0
    result = runner.invoke(app, ["restore", str(backup), "--config", str(config_for(tmp_path / "b", other_pg))])
    assert result.exit_code == 0, result.output
    assert table_rows(other_pg) == table_rows(sqlite_url)


def test_restore_into_a_database_with_data_is_refused_and_changes_nothing(tmp_path: Path, sqlite_url: str) -> None:
    populated(sqlite_url)
    config = config_for(tmp_path / "live", sqlite_url)
    backup = tmp_path / "nightly.db"
    assert runner.invoke(app, ["backup", str(backup), "--config", str(config)]).exit_code == 0
    before = table_rows(sqlite_url)
    result = runner.invoke(app, ["restore", str(backup), "--config", str(config)])
    assert result.exit_code == 1
    assert "is not empty (" in result.stderr and "9 in person" in result.stderr and "new database" in result.stderr
    assert "Traceback" not in result.output
    assert table_rows(sqlite_url) == before


def test_an_export_from_an_older_release_is_migrated_after_it_is_loaded(tmp_path: Path) -> None:
    old_url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(old_url, "0003")
    config = config_for(tmp_path / "old", old_url)
    result = runner.invoke(app, ["export", "all", "--config", str(config)])
    assert result.exit_code == 0 and json.loads(result.stdout.splitlines()[0])["revision"] == ["0003"]
    exported = tmp_path / "old.jsonl"
    exported.write_text(result.stdout, encoding="utf-8")
    target_url, target = empty_sqlite(tmp_path, "new")  # already at this release's schema
    result = runner.invoke(app, ["restore", str(exported), "--config", str(target)])
    assert result.exit_code == 0, result.output

    async def revision() -> set[str]:
        db = Database(target_url)
        try:
            return await migrate.applied_revisions(db.engine)
        finally:
            await db.dispose()

    assert asyncio.run(revision()) == set(migrate.current_heads())


@pytest.mark.parametrize("content", [b"email,name\nx@y.z,X\n", b"{\"format\": \"something else\"}\n"],
                         ids=["a csv", "another json lines file"])
def test_restoring_a_file_that_is_no_backup_says_so(tmp_path: Path, content: bytes) -> None:
    _url, config = empty_sqlite(tmp_path, "new")
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_bytes(content)
    result = runner.invoke(app, ["restore", str(wrong), "--config", str(config)])
    assert result.exit_code == 1 and "not an `outcomebot export all` file" in result.stderr
    assert "Traceback" not in result.output


def test_backup_does_not_overwrite_a_file_without_force(tmp_path: Path, sqlite_url: str) -> None:
    backup = tmp_path / "nightly.db"
    backup.write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["backup", str(backup), "--config", str(config_for(tmp_path / "a", sqlite_url))])
    assert result.exit_code == 1 and "--force" in result.stderr
    assert backup.read_text(encoding="utf-8") == "keep me"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".partial")]
