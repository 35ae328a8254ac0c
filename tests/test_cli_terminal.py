"""`outcomebot start`, `chat`, `demo` and `preview` end to end, without a TTY."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("OUTCOMEBOT_CONFIG", "OUTCOMEBOT_DATABASE_URL", "SLACK_BOT_TOKEN", "TEAMS_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_start_on_a_fresh_machine_sets_up_and_chats_as_a_sample_employee(in_empty_folder: Path) -> None:
    result = runner.invoke(app, ["start"], input="okrs\n")
    assert result.exit_code == 0, result.output
    assert (in_empty_folder / "app.yaml").exists() and (in_empty_folder / "outcomebot.db").exists()
    assert "No SLACK_BOT_TOKEN or TEAMS_APP_ID in the environment" in result.output
    assert "You are chatting as the sample employee Jonas Weber (jonas.weber@example.com)." in result.output
    assert "`outcomebot import people.csv`, then `outcomebot import okrs.yaml`" in result.output
    assert "Your OKRs, Jonas Weber" in result.output and "p95 page load time" in result.output
    assert result.output.rstrip().endswith("Bye!")


def test_start_with_stdin_closed_exits_cleanly() -> None:
    result = runner.invoke(app, ["start"], input="")
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("Bye!")


def test_start_with_people_imported_asks_who_is_chatting() -> None:
    assert runner.invoke(app, ["start"], input="").exit_code == 0  # loads the sample org
    result = runner.invoke(app, ["start"], input="nobody@example.com\nlars.becker@example.com\nblockers\n")
    assert result.exit_code == 0, result.output
    assert "Who are you? Type your email" in result.output
    assert "No one with the email 'nobody@example.com' was imported." in result.output
    assert "Chatting with OutcomeBot as lars.becker@example.com." in result.output
    assert "You have no open blockers." in result.output
    assert runner.invoke(app, ["start"], input="").exit_code == 0


def test_chat_as_someone_unknown_says_how_to_import() -> None:
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["chat", "--as", "ghost@example.com"], input="")
    assert result.exit_code == 1
    assert "No people were imported yet." in result.output


def test_chat_as_an_imported_person_runs_their_commands() -> None:
    assert runner.invoke(app, ["start"], input="").exit_code == 0
    result = runner.invoke(app, ["chat", "--as", "priya.sharma@example.com"], input="outcomes\nquit\n")
    assert result.exit_code == 0, result.output
    assert "Teams trust us with their critical work" in result.output


def test_demo_refuses_to_write_into_an_existing_database(in_empty_folder: Path) -> None:
    existing = in_empty_folder / "mine.db"
    existing.write_bytes(b"precious")
    result = runner.invoke(app, ["demo", "--database", str(existing)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert existing.read_bytes() == b"precious"
    kept = in_empty_folder / "demo.db"
    assert runner.invoke(app, ["demo", "--database", str(kept)]).exit_code == 0
    assert kept.exists()


def test_preview_renders_a_template_with_sample_data() -> None:
    result = runner.invoke(app, ["preview", "okrs", "--platform", "text"])
    assert result.exit_code == 0
    assert result.output.startswith("Your OKRs, Alice Ortega")


def test_preview_of_an_unknown_template_names_the_known_ones() -> None:
    result = runner.invoke(app, ["preview", "okr"])
    assert result.exit_code == 1
    assert "No template named 'okr'. Known templates:" in result.output and "checkin_prompt" in result.output
