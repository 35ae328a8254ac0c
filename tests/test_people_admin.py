"""People leave and join: `outcomebot people deactivate|activate|list` and the CSV's `active`
column stop and restart someone's cadences, take them out of digests, and keep their history."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.fake import FakeChat
from bot.router import Router
from bot.ticker import Ticker
from storage.db import Database
from storage.importers.people import import_people
from storage.models import CheckIn, Delivery, Person, PromptSchedule
from tests.orgchart import ALICE, BOB, NOW, make_org, org_config

MONDAY_AFTER_NINE_NEW_YORK = datetime(2026, 11, 30, 14, 1, tzinfo=timezone.utc)


@pytest.fixture
def config_file(tmp_path: Path, sqlite_url: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(f"organisation:\n  timezone: Europe/Berlin\n  country: DE\ndatabase_url: {sqlite_url}\n", encoding="utf-8")
    return path


def outcomebot(config_file: Path, *args: str):
    return CliRunner().invoke(app, [*args, "--config", str(config_file)])


def in_db(url: str, work):
    async def run():
        db = Database(url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def test_a_deactivated_person_gets_no_prompt_leaves_the_digest_and_keeps_their_history(config_file, sqlite_url) -> None:
    async def setup(db):
        ids = await make_org(db)
        chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))
        await chat.say(BOB, "checkin")
        await chat.submit(BOB, {f"kr.{ids['first-reply-hours']}.value": "20", f"kr.{ids['first-reply-hours']}.confidence": "6"})
        await Ticker(org_config(), db).tick(NOW)  # everyone's next prompt is planned
        return ids

    ids = in_db(sqlite_url, setup)
    result = outcomebot(config_file, "people", "deactivate", BOB)
    assert result.exit_code == 0, result.output
    assert result.stdout == ("Deactivated Bob (bob@x.com): no more check-ins, reminders or digest lines; "
                             "their history is kept.\n")
    again = outcomebot(config_file, "people", "deactivate", "BOB@x.com")
    assert again.stdout == "Bob (bob@x.com) is already deactivated; nothing changed.\n"

    async def week_later(db):
        ticker = Ticker(org_config(), db)
        await ticker.tick(MONDAY_AFTER_NINE_NEW_YORK)
        await ticker.tick(datetime(2026, 12, 7, 7, 31, tzinfo=timezone.utc))  # Maya's digest, 08:31 Berlin
        async with db.session() as s:
            bobs = (await s.exec(select(Delivery).where(Delivery.person_id == ids["bob"],
                                                        Delivery.created_at > NOW))).all()
            schedules = (await s.exec(select(PromptSchedule).where(PromptSchedule.person_id == ids["bob"]))).all()
            history = (await s.exec(select(CheckIn).where(CheckIn.person_id == ids["bob"]))).all()
            digests = (await s.exec(select(Delivery).where(Delivery.template == "digest",
                                                           Delivery.person_id == ids["maya"]))).all()
        return bobs, schedules, history, digests

    bobs, schedules, history, digests = in_db(sqlite_url, week_later)
    assert bobs == [] and schedules == []
    assert [(c.period, c.status) for c in history] == [("2026-W48", "answered")]
    assert digests and all("Bob" not in str(d.context.get("not_checked_in")) for d in digests)
    assert all("Bob" not in str(d.context.get("checked_in")) for d in digests if d.context["period"] != "2026-W48")


def test_deactivating_a_manager_says_who_still_reports_to_them(config_file, sqlite_url) -> None:
    in_db(sqlite_url, make_org)
    result = outcomebot(config_file, "people", "deactivate", "maya@x.com")
    assert "2 people still report to them (alice@x.com, bob@x.com)" in result.stdout
    unknown = outcomebot(config_file, "people", "deactivate", "nobody@x.com")
    assert unknown.exit_code == 1 and "Nobody with the email nobody@x.com is known" in unknown.stderr


def test_people_list_shows_who_is_active_and_all_shows_the_deactivated_too(config_file, sqlite_url) -> None:
    in_db(sqlite_url, make_org)
    outcomebot(config_file, "people", "deactivate", "sam@x.com")
    listed = outcomebot(config_file, "people", "list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert lines[-1] == "7 active" and not any("sam@x.com" in line for line in lines)
    assert any(line.startswith("bob@x.com") and "Platform" in line and "maya@x.com" in line and "America/New_York" in line
               for line in lines)
    everyone = outcomebot(config_file, "people", "list", "--all").stdout.splitlines()
    assert everyone[-1] == "7 active, 1 deactivated"
    assert any(line.startswith("sam@x.com") and line.endswith("(deactivated)") for line in everyone)
    back = outcomebot(config_file, "people", "activate", "sam@x.com")
    assert back.stdout == "Sam (sam@x.com) is active again; check-ins start from their next prompt.\n"

    async def schedules(db):
        async with db.session() as s:
            sam = (await s.exec(select(Person).where(Person.email == "sam@x.com"))).one()
            return (await s.exec(select(PromptSchedule).where(PromptSchedule.person_id == sam.id))).all()

    assert in_db(sqlite_url, schedules)  # planned again at once


async def test_the_csv_active_column_deactivates_and_reactivates(db) -> None:
    header = "email,name,timezone,country,manager_email,team,active\n"
    kwargs = {"source": "people.csv", "default_timezone": "Europe/Berlin", "default_country": "DE"}
    await import_people(db, header + "a@x.com,Ana,,,,,\nb@x.com,Ben,,,a@x.com,,yes\n", **kwargs)
    report = await import_people(db, header + "b@x.com,Ben,,,a@x.com,,no\n", **kwargs)
    assert report.deactivated == ["b@x.com"] and report.summary_lines()[0] == "deactivated: b@x.com"
    async with db.session() as s:
        assert {p.email: p.active for p in (await s.exec(select(Person))).all()} == {"a@x.com": True, "b@x.com": False}
    report = await import_people(db, header + "b@x.com,Ben,,,a@x.com,,\n", **kwargs)  # empty: kept as it is
    assert report.deactivated == report.reactivated == []
    report = await import_people(db, header + "b@x.com,Ben,,,a@x.com,,yes\n", **kwargs)
    assert report.reactivated == ["b@x.com"]
    from storage.importers import ImportFailed

    with pytest.raises(ImportFailed) as failed:
        await import_people(db, header + "b@x.com,Ben,,,a@x.com,,gone\n", **kwargs)
    assert "row 2: active is yes or no (or empty to keep it as it is); you typed 'gone'" in failed.value.problems


async def test_a_deactivated_person_who_writes_to_the_bot_is_told_they_are_unknown(db) -> None:
    from storage.repositories.people import person_by_email
    from storage.repositories.people_admin import set_active

    await make_org(db)
    async with db.transaction() as s:
        await set_active(s, await person_by_email(s, ALICE), False)
    reply = await FakeChat(Router(org_config(), db, clock=lambda: NOW + timedelta(hours=1))).say(ALICE, "okrs")
    assert reply.startswith("Hi! I don't know you yet (fake: alice@x.com).")
