"""The sample organisation never mixes with a real one: `start` keeps it in a database of its
own, so importing the real people later leaves no sample person in cadences or exports."""

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


def test_trying_the_sample_then_importing_real_people_leaves_only_the_real_ones(in_empty_folder: Path) -> None:
    tried = runner.invoke(app, ["start"], input="okrs\n")
    assert tried.exit_code == 0, tried.output
    assert "in a database of its own (outcomebot-sample.db); your real data will never mix with it." in tried.output
    assert (in_empty_folder / "outcomebot-sample.db").exists()
    assert runner.invoke(app, ["people", "list"]).stdout.startswith("Nobody yet.")  # the real database is untouched

    people = in_empty_folder / "people.csv"
    people.write_text("email,name,timezone,country,manager_email,team\nana@acme.test,Ana,Europe/Berlin,DE,,Core\n",
                      encoding="utf-8")
    assert runner.invoke(app, ["import", str(people)]).exit_code == 0
    exported = runner.invoke(app, ["export", "people"]).stdout.splitlines()
    assert exported[1:] == ["ana@acme.test,Ana,Europe/Berlin,DE,,Core,,,yes"]
    tick = runner.invoke(app, ["tick", "--now", "2026-11-30T09:00:00Z"])
    assert tick.exit_code == 0 and "scheduled 2" in tick.stdout  # Ana's weekly and monthly cadences only

    real = runner.invoke(app, ["start"], input="ana@acme.test\nokrs\n")
    assert "sample" not in real.output.split("Chatting with OutcomeBot")[0]
    assert "Chatting with OutcomeBot as ana@acme.test." in real.output
