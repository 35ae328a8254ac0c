"""What a client sends is not trusted for display: the Teams "checked in" card shows the stored
check-in, bidi control characters never reach names or notes, and the Slack token never goes
over plain http to another host."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.config import ConfigError, load_config
from storage.importers import import_people
from storage.models import Blocker, Person, Win
from tests import teams_activities as act
from tests.import_helpers import PEOPLE_HEADER
from tests.slack_harness import SlackRig, rig  # noqa: F401  (fixture)
from tests.test_teams_conversation import BOB, answers, prompt_bob, teams  # noqa: F401  (fixture)
from tests.teams_harness import TeamsHarness

RLO = "\u202e"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


async def test_the_checked_in_card_shows_the_stored_check_in_not_what_the_card_sent(teams: TeamsHarness) -> None:
    prompt = await prompt_bob(teams)
    kr = teams.ids["first-reply-hours"]
    submit = teams.connector.sent("a:conv-bob")[0].card["actions"][0]["data"]
    teams.connector.calls.clear()
    forged = {**submit, "period_label": "[your bonus is cancelled](http://evil.example)", "person_name": "**CEO**"}
    response = await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", prompt.message_ref, {**forged, **answers(kr)}))
    assert response.status in (200, 201)
    replaced = next(call for call in teams.connector.sent("a:conv-bob") if call.method == "PUT")
    shown = " ".join(replaced.texts())
    assert "Checked in for week 49 of 2026" in shown and "Thank you, Bob" in shown
    assert "evil.example" not in str(replaced.card) and "CEO" not in str(replaced.card)
    assert not any(block.get("type") == "TextBlock" and "week 49" in block.get("text", "") for block in replaced.card["body"])


async def test_bidi_controls_are_stripped_from_what_people_type_in_slack(rig: SlackRig) -> None:
    await rig.command("UALICE", "/win", f"Acme {RLO}evil{BIDI} live")
    await rig.bot.settle()
    async with rig.db.session() as session:
        [win] = (await session.exec(select(Win))).all()
    assert win.text == "Acme evil live"


async def test_bidi_controls_are_stripped_from_what_people_type_in_teams(teams: TeamsHarness) -> None:
    prompt = await prompt_bob(teams)
    kr = teams.ids["first-reply-hours"]
    submit = teams.connector.sent("a:conv-bob")[0].card["actions"][0]["data"]
    values = answers(kr, **{"blocker.1.text": f"Waiting {RLO}for IT", f"kr.{kr}.note": f"{BIDI}fine"})
    assert (await teams.post(act.card_submit(teams.url, BOB, "a:conv-bob", prompt.message_ref, {**submit, **values}))).status == 201
    async with teams.db.session() as session:
        [blocker] = (await session.exec(select(Blocker))).all()
    assert blocker.text == "Waiting for IT"


async def test_bidi_controls_are_stripped_from_imported_names(db) -> None:
    await import_people(db, PEOPLE_HEADER + f"eve@x.com,Eve {RLO}nomis{BIDI},,,,,,\n", source="people.csv",
                        default_timezone="Europe/Berlin", default_country="DE", admins=())
    async with db.session() as session:
        eve = (await session.exec(select(Person).where(Person.email == "eve@x.com"))).one()
    assert eve.name == "Eve nomis"


@pytest.mark.parametrize("url", ["http://slack.example.com/api/", "http://10.0.0.5/api/", "ftp://slack.example.com/"])
def test_a_slack_api_url_that_would_send_the_token_in_clear_is_refused(tmp_path: Path, monkeypatch, url: str) -> None:
    config = tmp_path / "app.yaml"
    config.write_text(f"slack_api_url: {url}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["status", "--config", str(config)])
    assert result.exit_code == 1 and "slack_api_url" in result.output and "https://" in result.output
    assert not (tmp_path / "outcomebot.db").exists()
    monkeypatch.setenv("OUTCOMEBOT_SLACK_API_URL", url)
    with pytest.raises(ConfigError, match="slack_api_url"):
        load_config(tmp_path / "missing.yaml")


@pytest.mark.parametrize("url", ["https://slack-gov.com/api/", "http://127.0.0.1:8080/api/", "http://localhost/api/"])
def test_https_and_this_machine_are_accepted_as_slack_api_url(tmp_path: Path, url: str) -> None:
    config = tmp_path / "app.yaml"
    config.write_text(f"slack_api_url: {url}\n", encoding="utf-8")
    assert load_config(config).slack_api_url == url
