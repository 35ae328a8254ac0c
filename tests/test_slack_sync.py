"""`outcomebot slack sync`: Slack accounts are matched to imported people."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.slack.client import make_web_client
from bot.slack.sync import sync_users
from storage.db import Database
from storage.importers import import_people
from tests.fake_slack import FakeSlack
from tests.import_helpers import PEOPLE_HEADER, people_by_email

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = PEOPLE_HEADER + (
    "ana@example.com,Ana,,,,,,\n"                      # no timezone of her own → org default
    "ben@example.com,Ben,Asia/Tokyo,JP,,,,\n"
    "cleo@example.com,Cleo,,,,,U0CLEOIMPORT,\n"         # the import's Slack id wins
    "dev@example.com,Dev,Europe/London,GB,,,,\n"
    "eve@example.com,Eve,Europe/Paris,FR,,,,\n"          # not in Slack at all
)


def member(user_id: str, email: str | None, *, tz: str = "America/Chicago", deleted: bool = False, is_bot: bool = False) -> dict:
    profile = {"real_name": user_id, **({"email": email} if email else {})}
    return {"id": user_id, "name": user_id.lower(), "deleted": deleted, "is_bot": is_bot, "tz": tz, "profile": profile}


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    filler = [member(f"U{n:07d}", f"stranger{n}@elsewhere.example") for n in range(440)]
    server.users = filler[:150] + [
        member("U0ANA", "ANA@example.com", tz="America/Chicago"),
        member("U0BEN", "ben@example.com", tz="America/Denver"),
        member("U0CLEOSLACK", "cleo@example.com"),
        member("U0DEV", "dev@example.com", deleted=True),
        member("U0BOTX", "bot@example.com", is_bot=True),
        member("USLACKBOT", None),
    ] + filler[150:]
    yield server
    await server.stop()


async def imported(db: Database) -> None:
    report = await import_people(db, PEOPLE, source="people.csv", default_timezone="UTC", default_country="US")
    assert report is not None


async def test_sync_links_people_by_email_across_every_page(fake: FakeSlack, db: Database) -> None:
    await imported(db)
    report = await sync_users(make_web_client(token="xoxb-t", base_url=fake.api_url), db, default_timezone="UTC")
    people = await people_by_email(db)
    assert people["ana@example.com"].slack_user_id == "U0ANA"          # email matched case-insensitively
    assert people["ben@example.com"].slack_user_id == "U0BEN"
    assert people["cleo@example.com"].slack_user_id == "U0CLEOIMPORT"  # the import wins
    assert any("cleo@example.com keeps Slack id U0CLEOIMPORT" in c for c in report.conflicts)
    assert people["eve@example.com"].slack_user_id is None
    assert report.unmatched_people == ["eve@example.com"]
    assert len(fake.calls_to("users.list")) == 3  # 446 members, 200 a page, followed by cursor


async def test_sync_takes_slack_timezone_only_for_people_without_their_own(fake: FakeSlack, db: Database) -> None:
    await imported(db)
    await sync_users(make_web_client(token="xoxb-t", base_url=fake.api_url), db, default_timezone="UTC")
    people = await people_by_email(db)
    assert people["ana@example.com"].timezone == "America/Chicago"
    assert people["ben@example.com"].timezone == "Asia/Tokyo"


async def test_deactivated_slack_account_makes_the_person_inactive(fake: FakeSlack, db: Database) -> None:
    await imported(db)
    report = await sync_users(make_web_client(token="xoxb-t", base_url=fake.api_url), db, default_timezone="UTC")
    people = await people_by_email(db)
    assert people["dev@example.com"].active is False
    assert report.deactivated == ["dev@example.com"]


async def test_sync_waits_as_long_as_slack_asks_when_rate_limited(fake: FakeSlack, db: Database) -> None:
    await imported(db)
    fake.rate_limit_next("users.list", retry_after=20)
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    await sync_users(make_web_client(token="xoxb-t", base_url=fake.api_url), db, default_timezone="UTC", sleep=sleep)
    assert waited == [20.0]
    assert (await people_by_email(db))["ana@example.com"].slack_user_id == "U0ANA"


async def test_running_sync_twice_changes_nothing_more(fake: FakeSlack, db: Database) -> None:
    await imported(db)
    client = make_web_client(token="xoxb-t", base_url=fake.api_url)
    await sync_users(client, db, default_timezone="UTC")
    again = await sync_users(client, db, default_timezone="UTC")
    assert again.linked == [] and again.deactivated == [] and again.already_linked == 3


async def test_slack_sync_command_reports_what_it_did(fake: FakeSlack, tmp_path: Path, sqlite_url: str) -> None:
    db = Database(sqlite_url)
    await imported(db)
    await db.dispose()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": "xoxb-cli", "OUTCOMEBOT_SLACK_API_URL": fake.api_url,
           "OUTCOMEBOT_DATABASE_URL": sqlite_url, "OUTCOMEBOT_CONFIG": str(tmp_path / "app.yaml")}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "slack", "sync", env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert "Linked now: 3" in out.decode() and "xoxb-cli" not in out.decode() + err.decode()


async def test_slack_sync_without_a_token_says_how_to_get_one(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text("organisation: {timezone: Europe/Berlin}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update({"PYTHONPATH": str(ROOT), "OUTCOMEBOT_CONFIG": str(tmp_path / "app.yaml")})
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "slack", "sync", env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1 and "SLACK_BOT_TOKEN is not set" in err.decode()


async def test_sync_makes_someone_marked_unreachable_reachable_again(fake: FakeSlack, db: Database) -> None:
    from sqlmodel import select

    from storage.models import Person

    await imported(db)
    async with db.transaction() as s:
        for person in (await s.exec(select(Person).where(Person.email.in_(["ben@example.com", "dev@example.com"])))).all():
            person.unreachable_reason = "channel_not_found"
            s.add(person)
    report = await sync_users(make_web_client(token="xoxb-t", base_url=fake.api_url), db, default_timezone="UTC")
    people = await people_by_email(db)
    assert people["ben@example.com"].unreachable_reason is None
    assert people["dev@example.com"].unreachable_reason == "channel_not_found"  # deactivated: stays so
    assert report.reachable_again == ["ben@example.com"]
