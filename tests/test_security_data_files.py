"""The database holds people's check-ins, blockers and emails: its files are owner-only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from tests.orgchart import make_org


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask():
    previous = os.umask(0o022)  # the usual default, which made them 0644
    yield
    os.umask(previous)


async def test_the_sqlite_database_its_wal_and_shm_and_a_directory_created_for_it_are_owner_only(
    tmp_path: Path, permissive_umask
) -> None:
    folder = tmp_path / "data" / "bot"
    result = CliRunner().invoke(app, ["init", "--config", str(folder / "app.yaml")])
    assert result.exit_code == 0, result.output
    db = Database(f"sqlite:///{folder / 'outcomebot.db'}")
    try:
        await make_org(db)  # writes, so SQLite opens the -wal and -shm files
        files = [folder / "outcomebot.db", folder / "outcomebot.db-wal", folder / "outcomebot.db-shm"]
        assert all(path.exists() for path in files)
        assert {path.name: oct(mode(path)) for path in files} == {path.name: "0o600" for path in files}
    finally:
        await db.dispose()
    assert oct(mode(folder)) == "0o700" and oct(mode(folder.parent)) == "0o700"


async def test_the_database_a_server_opens_first_is_owner_only_too(tmp_path: Path, permissive_umask) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert not (tmp_path / "fresh.db").exists()  # nothing is created before it is used
        async with db.session() as session:
            from sqlalchemy import text

            await session.execute(text("SELECT 1"))
        assert oct(mode(tmp_path / "fresh.db")) == "0o600"
    finally:
        await db.dispose()
