"""`outcomebot status` tells an admin the same on SQLite and PostgreSQL: what is due, why messages
wait, who cannot be reached, identity conflicts and how the pull sources did."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.status import read_status, read_status_at
from storage.api_tables import KeyResultSource
from storage.db import Database
from storage.identity_conflicts import IdentityConflict
from storage.models import Cadence, Delivery, DeliveryStatus, Person, PromptSchedule
from tests.orgchart import make_org

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)

EXPECTED = [
    "due prompts 1",
    "due deliveries 2",
    "sent 1",
    "failed 1",
    "unreachable 0",
    "pending 3",
    "sending 0",
    "next prompt at 2026-11-30T10:30:00+00:00",
    "why messages are not going out:",
    "  2 waiting: no Slack or Teams identity",
    "  1 failed: Slack said channel_not_found",
    "people the bot cannot reach:",
    "  1: Teams app removed",
    "identity conflicts: 1 (nothing was changed; an admin decides)",
    "  teams: bob@x.com — account_taken: account aad-other from tenant t-1, 3× (last 2026-11-29 17:45 UTC)",
    "source activation (github): last value 52 at 2026-11-29T08:00+00:00; next at 2026-11-30T10:00+00:00",
    "source onboarding-days (jira): no value yet; last error at 2026-11-30T08:00+00:00: Jira refused the token (401);"
    " next at 2026-11-30T08:02+00:00",
]


async def _seed(db: Database) -> None:
    ids = await make_org(db)
    async with db.transaction() as s:
        weekly = Cadence(name="weekly", every="week", on="monday", at="09:00")
        s.add(weekly)
        await s.flush()
        s.add_all([
            PromptSchedule(person_id=ids["bob"], cadence_id=weekly.id, period="2026-W49", next_prompt_at=NOW - timedelta(minutes=5)),
            PromptSchedule(person_id=ids["sam"], cadence_id=weekly.id, period="2026-W49", next_prompt_at=NOW + timedelta(minutes=90)),
            PromptSchedule(person_id=ids["ada"], cadence_id=weekly.id, period="2026-W50", next_prompt_at=NOW + timedelta(days=7)),
        ])

        def delivery(key: str, status: DeliveryStatus, next_at: datetime, error: str | None = None) -> Delivery:
            return Delivery(idempotency_key=key, person_id=ids["sam"], platform="slack", template="checkin_prompt",
                            status=status, next_attempt_at=next_at, last_error=error, created_at=NOW)

        s.add_all([
            delivery("a", DeliveryStatus.pending, NOW - timedelta(minutes=1), "no Slack or Teams identity"),
            delivery("b", DeliveryStatus.pending, NOW - timedelta(minutes=2), "no Slack or Teams identity"),
            delivery("c", DeliveryStatus.pending, NOW + timedelta(hours=1)),
            delivery("d", DeliveryStatus.failed, NOW - timedelta(hours=1), "Slack said channel_not_found"),
            delivery("e", DeliveryStatus.sent, NOW - timedelta(hours=2)),
        ])
        oscar = await s.get(Person, ids["oscar"])
        oscar.unreachable_reason = "Teams app removed"
        ivan = await s.get(Person, ids["ivan"])
        ivan.unreachable_reason, ivan.active = "left the company", False  # not active: not listed
        s.add_all([oscar, ivan])
        s.add(IdentityConflict(platform="teams", person_id=ids["bob"], claimed_id="aad-other", tenant_id="t-1",
                               reason="account_taken", first_seen_at=NOW - timedelta(days=2),
                               last_seen_at=datetime(2026, 11, 29, 17, 45, 12, tzinfo=timezone.utc), times=3))
        s.add_all([
            KeyResultSource(key_result_id=ids["onboarding-days"], kind="jira", failures=1,
                            last_error="Jira refused the token (401)", last_error_at=NOW - timedelta(hours=1),
                            next_attempt_at=NOW - timedelta(minutes=58)),
            KeyResultSource(key_result_id=ids["activation"], kind="github", last_value=52.0,
                            last_success_at=NOW - timedelta(days=1, hours=1), next_attempt_at=NOW + timedelta(hours=1)),
        ])


def _status_command(tmp_path: Path, url: str) -> list[str]:
    config = tmp_path / "app.yaml"
    config.write_text(f"database_url: {url}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["status", "--config", str(config), "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


async def test_status_lists_due_work_stuck_messages_unreachable_people_conflicts_and_sources(
        tmp_path: Path, any_db: Database, any_db_url: str) -> None:
    await _seed(any_db)
    assert (await read_status(any_db, NOW)).report() == EXPECTED  # what the server's gauges read
    # The command runs its own event loop (and, on SQLite, reads the file with sqlite3 alone).
    assert await asyncio.to_thread(_status_command, tmp_path, any_db_url) == EXPECTED


def test_status_on_a_sqlite_file_reads_the_same_as_through_the_database_layer(tmp_path: Path, sqlite_url: str) -> None:
    async def seed_and_read():
        db = Database(sqlite_url)
        try:
            await _seed(db)
            return await read_status(db, NOW)
        finally:
            await db.dispose()

    through_sqlalchemy = asyncio.run(seed_and_read())
    assert read_status_at(sqlite_url, NOW) == through_sqlalchemy
    assert read_status_at(sqlite_url.replace("sqlite:", "sqlite+aiosqlite:", 1), NOW) == through_sqlalchemy


def test_status_on_a_new_database_file_creates_its_tables_and_shows_nothing_due(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    lines = _status_command(tmp_path, url)
    assert lines[:2] == ["due prompts 0", "due deliveries 0"] and "identity conflicts: none" in lines
    assert (tmp_path / "fresh.db").stat().st_mode & 0o077 == 0  # created owner-only by the migration


PROBE = ("import atexit, sys\n"
         "atexit.register(lambda: print('loaded:', *sorted(m for m in ('sqlalchemy', 'sqlmodel', 'aiohttp', 'alembic')"
         " if m in sys.modules), file=sys.stderr))\n"
         "from bot.cli import main\n"
         "sys.argv = ['outcomebot', *sys.argv[1:]]\n"
         "main()\n")


def test_help_and_status_on_the_embedded_database_load_no_sqlalchemy_nor_http_client(tmp_path: Path) -> None:
    """What keeps both quick to answer (benchmarks/cli_startup.py measures how quick)."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    env = {k: v for k, v in env.items() if not k.startswith("OUTCOMEBOT_")}
    subprocess.run([sys.executable, "-m", "bot", "init"], cwd=tmp_path, env=env, check=True, capture_output=True)
    for args in (["--help"], ["status"]):
        run = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        assert run.stderr.strip().splitlines()[-1] == "loaded:", (args, run.stderr)
    assert "due prompts 0" in run.stdout
