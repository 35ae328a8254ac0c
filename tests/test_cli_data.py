"""`outcomebot import` and `outcomebot export` as an admin runs them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from storage.importers import SAMPLE_OKRS_YAML, SAMPLE_PEOPLE_CSV
from storage.models import KeyResult
from tests.import_helpers import PEOPLE_HEADER, database_contents


@pytest.fixture
def config_file(tmp_path: Path, sqlite_url: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(
        "organisation:\n  timezone: Asia/Kolkata\n  country: IN\n  admins: [Maya.Chen@example.com]\n"
        f"database_url: {sqlite_url}\n",
        encoding="utf-8",
    )
    return path


def outcomebot(config_file: Path, *args: str):
    return CliRunner().invoke(app, [*args, "--config", str(config_file)])


def contents(config_file: Path, url: str) -> dict:
    async def read() -> dict:
        db = Database(url)
        try:
            return await database_contents(db)
        finally:
            await db.dispose()

    return asyncio.run(read())


def test_importing_people_then_okrs_prints_what_was_created(config_file: Path, sqlite_url: str) -> None:
    people = outcomebot(config_file, "import", str(SAMPLE_PEOPLE_CSV))
    okrs = outcomebot(config_file, "import", str(SAMPLE_OKRS_YAML))

    assert people.exit_code == 0, people.output
    assert "Imported people.csv:" in people.stdout
    assert "people: 9 created, 0 updated, 0 unchanged" in people.stdout
    assert okrs.exit_code == 0, okrs.output
    assert "key results: 12 created, 0 updated, 0 unchanged" in okrs.stdout
    stored = contents(config_file, sqlite_url)
    admins = [person["email"] for person in stored["Person"] if person["is_admin"]]
    assert admins == ["maya.chen@example.com"]


def test_people_without_timezone_or_country_get_the_organisation_defaults(tmp_path: Path, config_file: Path,
                                                                          sqlite_url: str) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(PEOPLE_HEADER + "ravi@example.com,Ravi,,,,,,\n", encoding="utf-8")

    result = outcomebot(config_file, "import", str(csv_file))

    assert result.exit_code == 0, result.output
    (ravi,) = contents(config_file, sqlite_url)["Person"]
    assert (ravi["timezone"], ravi["country"]) == ("Asia/Kolkata", "IN")


def test_a_bad_file_exits_1_lists_every_problem_and_changes_nothing(tmp_path: Path, config_file: Path,
                                                                    sqlite_url: str) -> None:
    outcomebot(config_file, "import", str(SAMPLE_PEOPLE_CSV))
    before = contents(config_file, sqlite_url)
    csv_file = tmp_path / "team.csv"
    csv_file.write_text(
        PEOPLE_HEADER
        + "new@example.com,New,,,,Brand New,,\n"
        + "bob@example.com,Bob,Mars/Base,,ghost@example.com,,,\n",
        encoding="utf-8",
    )

    result = outcomebot(config_file, "import", str(csv_file))

    assert result.exit_code == 1
    assert "team.csv was not imported (2 problems); nothing changed" in result.stderr
    assert "row 3: timezone 'Mars/Base' is not an IANA timezone" in result.stderr
    assert "row 3: manager ghost@example.com is not in this file or the database" in result.stderr
    assert result.stdout == ""
    assert contents(config_file, sqlite_url) == before


def test_a_file_of_unknown_kind_or_missing_file_is_refused_clearly(tmp_path: Path, config_file: Path) -> None:
    (tmp_path / "people.xlsx").write_bytes(b"PK\x03\x04")

    wrong_kind = outcomebot(config_file, "import", str(tmp_path / "people.xlsx"))
    missing = outcomebot(config_file, "import", str(tmp_path / "nowhere.csv"))

    assert wrong_kind.exit_code == 1
    assert "use a people .csv or an OKR .yaml/.yml file" in wrong_kind.stderr
    assert missing.exit_code == 1
    assert "nowhere.csv does not exist" in missing.stderr


def test_import_before_the_database_exists_says_to_run_db_upgrade(tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text(f"database_url: sqlite:///{tmp_path / 'empty.db'}\n", encoding="utf-8")

    result = outcomebot(config, "import", str(SAMPLE_PEOPLE_CSV))

    assert result.exit_code == 1
    assert "Run `outcomebot db upgrade`" in result.stderr


def set_progress(url: str, values: dict[str, float]) -> None:
    async def update() -> None:
        db = Database(url)
        try:
            async with db.transaction() as session:
                for kr in (await session.exec(select(KeyResult))).all():
                    if kr.key in values:
                        kr.current = values[kr.key]
                        session.add(kr)
        finally:
            await db.dispose()

    asyncio.run(update())


def test_export_then_import_into_a_fresh_database_gives_the_same_organisation(tmp_path: Path, config_file: Path,
                                                                               sqlite_url: str) -> None:
    outcomebot(config_file, "import", str(SAMPLE_PEOPLE_CSV))
    outcomebot(config_file, "import", str(SAMPLE_OKRS_YAML))
    set_progress(sqlite_url, {"onboarding-days": 21, "activation-rate": 52.5})

    exported = outcomebot(config_file, "export", "--out", str(tmp_path / "backup"))

    assert exported.exit_code == 0, exported.output
    assert f"Wrote {tmp_path / 'backup' / 'people.csv'}" in exported.stdout
    okrs_text = (tmp_path / "backup" / "okrs.yaml").read_text(encoding="utf-8")
    assert "current: 52.5" in okrs_text and "owner: team:Platform" in okrs_text
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    fresh_config = fresh_dir / "app.yaml"
    fresh_config.write_text(config_file.read_text(encoding="utf-8").replace(sqlite_url, f"sqlite:///{fresh_dir / 'o.db'}"),
                            encoding="utf-8")
    assert outcomebot(fresh_config, "db", "upgrade").exit_code == 0
    for name in ("people.csv", "okrs.yaml"):
        result = outcomebot(fresh_config, "import", str(tmp_path / "backup" / name))
        assert result.exit_code == 0, result.output
    assert outcomebot(fresh_config, "export", "people").stdout == (tmp_path / "backup" / "people.csv").read_text()
    assert outcomebot(fresh_config, "export", "okrs").stdout == okrs_text
    fresh = contents(fresh_config, f"sqlite:///{fresh_dir / 'o.db'}")
    assert {kr["key"]: kr["current"] for kr in fresh["KeyResult"]}["onboarding-days"] == 21


def test_export_of_one_file_prints_it_and_export_without_a_choice_explains_the_options(config_file: Path) -> None:
    outcomebot(config_file, "import", str(SAMPLE_PEOPLE_CSV))

    people = outcomebot(config_file, "export", "people")
    bare = outcomebot(config_file, "export")

    assert people.exit_code == 0
    lines = people.stdout.splitlines()
    assert lines[0] == "email,name,timezone,country,manager_email,team,slack_user_id,teams_user_id,active"
    assert lines[1] == "maya.chen@example.com,Maya Chen,America/New_York,US,,,,,yes"
    assert len(lines) == 10
    assert bare.exit_code == 2
    assert "outcomebot export people" in bare.stderr and "--out DIR" in bare.stderr


def test_export_does_not_overwrite_files_unless_forced(tmp_path: Path, config_file: Path) -> None:
    (tmp_path / "people.csv").write_text("my edits\n", encoding="utf-8")

    refused = outcomebot(config_file, "export", "people", "--out", str(tmp_path))
    forced = outcomebot(config_file, "export", "people", "--out", str(tmp_path), "--force")

    assert refused.exit_code == 1 and "use --force to overwrite" in refused.stderr
    assert forced.exit_code == 0
    assert (tmp_path / "people.csv").read_text(encoding="utf-8").startswith("email,name,")


def test_the_import_summary_lists_people_before_teams(config_file: Path) -> None:
    result = outcomebot(config_file, "import", str(SAMPLE_PEOPLE_CSV))

    assert result.stdout.splitlines() == [
        "Imported people.csv:",
        "  people: 9 created, 0 updated, 0 unchanged",
        "  teams: 2 created, 0 updated, 0 unchanged",
    ]


def test_moving_someone_to_another_timezone_moves_their_next_prompt(tmp_path: Path, config_file: Path, sqlite_url: str) -> None:
    from storage.models import Person, PromptSchedule

    assert outcomebot(config_file, "import", str(SAMPLE_PEOPLE_CSV)).exit_code == 0
    assert outcomebot(config_file, "tick", "--now", "2026-11-24T10:00:00Z").exit_code == 0  # plans everyone

    async def next_prompts(email: str) -> set:
        db = Database(sqlite_url)
        try:
            async with db.session() as s:
                person = (await s.exec(select(Person).where(Person.email == email))).one()
                rows = (await s.exec(select(PromptSchedule).where(PromptSchedule.person_id == person.id))).all()
                return {row.next_prompt_at for row in rows}
        finally:
            await db.dispose()

    before = asyncio.run(next_prompts("jonas.weber@example.com"))
    moved = tmp_path / "people.csv"
    moved.write_text(SAMPLE_PEOPLE_CSV.read_text(encoding="utf-8").replace(
        "jonas.weber@example.com,Jonas Weber,Europe/Berlin,DE", "jonas.weber@example.com,Jonas Weber,America/Los_Angeles,US"
    ), encoding="utf-8")
    assert outcomebot(config_file, "import", str(moved)).exit_code == 0
    after = asyncio.run(next_prompts("jonas.weber@example.com"))
    assert before and after and before != after
    # Monday 09:00 in Los Angeles is 17:00 UTC; in Berlin it was 08:00 UTC.
    assert {moment.hour for moment in after} >= {17}
