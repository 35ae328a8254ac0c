"""`outcomebot tick` and `status` as an admin runs them (cron-style deployments)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from tests.cadence_fixtures import add_person

runner = CliRunner()


def _config(tmp_path: Path, sqlite_url: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(f"database_url: {sqlite_url}\norganisation: {{country: DE}}\n", encoding="utf-8")
    return path


def _add(sqlite_url: str, email: str) -> None:
    async def add() -> None:
        db = Database(sqlite_url)
        try:
            await add_person(db, email)
        finally:
            await db.dispose()

    asyncio.run(add())


def test_tick_prompts_who_is_due_prints_counts_and_status_shows_them(tmp_path: Path, sqlite_url: str) -> None:
    config = _config(tmp_path, sqlite_url)
    _add(sqlite_url, "ann@example.com")
    first = runner.invoke(app, ["tick", "--config", str(config), "--now", "2026-03-01T12:00:00Z"])
    assert first.exit_code == 0, first.output
    assert "scheduled 2" in first.output and "prompted 0" in first.output  # weekly + monthly
    second = runner.invoke(app, ["tick", "--config", str(config), "--now", "2026-03-02T08:00:00+00:00"])
    assert second.exit_code == 0, second.output
    assert "prompted 1" in second.output and "sent 1" in second.output
    again = runner.invoke(app, ["tick", "--config", str(config), "--now", "2026-03-02T08:00:00Z"])
    assert "prompted 0" in again.output and "sent 0" in again.output
    status = runner.invoke(app, ["status", "--config", str(config), "--now", "2026-03-02T08:01:00Z"])
    assert status.exit_code == 0, status.output
    assert "sent 1" in status.output and "failed 0" in status.output and "unreachable 0" in status.output
    assert "next prompt at 2026-03-02T09:00:00+00:00" in status.output  # the monthly one, 10:00 Berlin


def test_tick_with_a_malformed_now_says_what_to_type(tmp_path: Path, sqlite_url: str) -> None:
    result = runner.invoke(app, ["tick", "--config", str(_config(tmp_path, sqlite_url)), "--now", "monday"])
    assert result.exit_code == 1
    assert "not an ISO time" in result.output
