"""`outcomebot import` and `outcomebot export` as an admin runs them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage.db import Database
from storage.importers import SAMPLE_OKRS_YAML, SAMPLE_PEOPLE_CSV
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
