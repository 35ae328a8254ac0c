"""`outcomebot demo`: three weeks through the real planner, sender, form, digests and a win."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from bot import demo_week
from bot.cli import app
from bot.demo_week import SCRIPTS, WEEKS, Script
from storage.models import CheckIn, Delivery, DeliveryStatus, Person

runner = CliRunner()
EMILY = "emily.clark@example.com"
BLOCKER = "The staging cluster is shared with load tests, so deploys queue for hours"


@pytest.fixture(autouse=True)
def in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("OUTCOMEBOT_CONFIG", "OUTCOMEBOT_DATABASE_URL", "SLACK_BOT_TOKEN", "TEAMS_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_demo_plays_the_weeks_without_touching_the_users_database(in_empty_folder: Path) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    output = result.output
    assert "📬 Hi Priya Sharma, time for your weekly check-in for week 48 of 2026" in output
    assert "✓ 09:30 Europe/London: Sam Okafor got the prompt and checked in (1 key result)" in output
    assert list(in_empty_folder.iterdir()) == []


def test_every_scripted_person_checks_in_each_week_and_the_digest_names_the_blocker(in_empty_folder: Path) -> None:
    kept = in_empty_folder / "demo.db"
    result = runner.invoke(app, ["demo", "--database", str(kept)])
    assert result.exit_code == 0, result.output

    engine = create_engine(f"sqlite:///{kept}")
    with engine.connect() as db:
        answered = dict(db.execute(
            select(Person.email, func.count(CheckIn.id)).join(CheckIn, CheckIn.person_id == Person.id)
            .where(CheckIn.answered_at.is_not(None)).group_by(Person.email)
        ).all())
        sent = db.execute(select(Delivery.template, Delivery.platform, Delivery.address, Delivery.status)).all()
    engine.dispose()
    assert answered == {email: len(WEEKS) for email in SCRIPTS}

    prompts = [row for row in sent if row.template == "checkin_prompt"]
    assert len(prompts) == len(SCRIPTS) * len(WEEKS)
    assert {row.status for row in prompts} == {DeliveryStatus.sent.value}
    assert ("win_announcement", "slack", "C0GROWTH", DeliveryStatus.sent.value) in sent
    assert [row.status for row in sent if row.template == "digest" and row.address == "lars.becker@example.com"] == [
        DeliveryStatus.sent.value]

    digest = result.output.split("── Lars Becker opens the terminal ──")[1].split("──")[0]
    assert "📬 Digest for Lars Becker" in digest and f"Priya Sharma, 4 days: {BLOCKER}" in digest
    assert "Stuck · Sam Okafor" in digest and "Doing great · Jonas Weber" in digest
    channel = result.output.split("── #growth, the Growth team's channel ──")[1]
    assert channel.lstrip().startswith("🎉 A win from Emily Clark: Two trial teams converted after the new onboarding call")


@pytest.mark.parametrize(
    ("script", "question", "problem"),
    [
        (Script(0.1, (6, 7, 7), win=("Two trial teams converted", "y")),
         "which key result did it move?", "type a number from 1 to 2, or press Enter"),
        (Script(0.1, (6, 7, 11)), "confidence 0–10 [7]:", "confidence is a whole number from 0 to 10; you typed '11'"),
    ],
)
def test_a_scripted_answer_the_form_refuses_stops_the_demo_naming_the_person_and_the_question(
    monkeypatch: pytest.MonkeyPatch, script: Script, question: str, problem: str
) -> None:
    monkeypatch.setitem(demo_week.SCRIPTS, EMILY, script)
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 1
    assert "The demo stopped: Emily Clark's scripted answer" in result.output
    assert question in result.output and problem in result.output
    assert "The demo used a temporary database" not in result.output


def test_a_person_without_scripted_answers_stops_the_demo_instead_of_being_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(demo_week.SCRIPTS, "lea.fischer@example.com")
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 1
    assert "The demo stopped: Lea Fischer (lea.fischer@example.com) has no scripted answers" in result.output
