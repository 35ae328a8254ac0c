"""Configuration errors say what is wrong: a missing --config file is named as such, --config
works before the subcommand too, and no command silently creates a database where there is
no app.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app


@pytest.fixture(autouse=True)
def no_config_env(monkeypatch) -> None:
    for name in ("OUTCOMEBOT_CONFIG", "OUTCOMEBOT_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_a_config_path_that_does_not_exist_says_there_is_no_app_yaml_there(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "app.yaml"
    for args in (["status", "--config", str(missing)], ["--config", str(missing), "status"]):
        result = run(*args)
        assert result.exit_code == 1
        assert f"no app.yaml at {missing}. Check --config, or run `outcomebot init --config {missing}`" in result.stderr
    assert not (tmp_path / "typo").exists()  # no database created next to it


def test_config_given_before_the_subcommand_is_used(tmp_path: Path, sqlite_url: str) -> None:
    config = tmp_path / "elsewhere.yaml"
    config.write_text(f"database_url: {sqlite_url}\n", encoding="utf-8")
    result = run("--config", str(config), "status")
    assert result.exit_code == 0, result.output
    assert "due prompts 0" in result.stdout


def test_a_command_where_there_is_no_app_yaml_says_to_run_init_and_creates_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (["status"], ["tick"], ["export", "people"], ["people", "list"], ["import", "people.csv"]):
        result = run(*command)
        assert result.exit_code == 1, command
        assert "No app.yaml in" in result.stderr and "Run `outcomebot init`" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_init_then_commands_work_in_that_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("init").exit_code == 0
    assert run("status").exit_code == 0
