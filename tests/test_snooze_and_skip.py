"""Putting a check-in off: "Remind me in 2 hours", "Tomorrow morning" and "Skip this week",
typed or clicked, come back exactly once at the chosen local time or never."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from bot.fake import FakeChat
from bot.router import Router
from bot.ticker import Ticker
from cadences.calendar import WorkCalendar
from cadences.snooze import SnoozeChoice, parse_snooze, snooze_until
from storage.db import Database
from storage.models import CheckIn, Delivery
from tests.orgchart import BOB, make_org, org_config

MONDAY_NINE_NEW_YORK = datetime(2026, 11, 30, 14, 0, tzinfo=timezone.utc)


async def prompted_bob(db: Database) -> dict[str, int]:
    ids = await make_org(db)
    ticker = Ticker(org_config(), db)
    await ticker.tick(MONDAY_NINE_NEW_YORK - timedelta(days=3))
    await ticker.tick(MONDAY_NINE_NEW_YORK)
    return ids


def chat_at(db: Database, now: datetime) -> FakeChat:
    return FakeChat(Router(org_config(), db, clock=lambda: now))


async def bobs_messages(db: Database, ids: dict[str, int]) -> list[tuple[str, str]]:
    async with db.session() as s:
        rows = (await s.exec(select(Delivery).where(Delivery.person_id == ids["bob"]).order_by(Delivery.id))).all()
    return [(row.template, row.status) for row in rows]


async def bobs_checkin(db: Database, ids: dict[str, int]) -> CheckIn:
    async with db.session() as s:
        return (await s.exec(select(CheckIn).where(CheckIn.person_id == ids["bob"]))).one()


def test_what_people_type_to_snooze_is_understood() -> None:
    assert parse_snooze("") == SnoozeChoice(hours=2)
    assert parse_snooze("remind me in 3 hours".removeprefix("remind ")) == SnoozeChoice(hours=3)
    assert parse_snooze("2h") == SnoozeChoice(hours=2)
    assert parse_snooze("tomorrow morning") == SnoozeChoice(tomorrow=True)
    assert parse_snooze("next year please") is None


def test_tomorrow_morning_on_a_friday_is_monday_nine_local() -> None:
    friday_evening_berlin = datetime(2026, 12, 4, 17, 0, tzinfo=timezone.utc)
    at = snooze_until(SnoozeChoice(tomorrow=True), now=friday_evening_berlin, tz="Europe/Berlin",
                      calendar=WorkCalendar.build(working_days=("monday", "tuesday", "wednesday", "thursday", "friday"),
                                                  country="DE"))
    assert at == datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)


async def test_a_snoozed_prompt_comes_back_once_at_the_chosen_time_and_counts_as_a_reminder(db: Database) -> None:
    ids = await prompted_bob(db)
    snoozed_at = MONDAY_NINE_NEW_YORK + timedelta(minutes=5)
    reply = await chat_at(db, snoozed_at).say(BOB, "remind me in 2 hours")
    assert reply == "OK Bob, I will bring your check-in for week 49 of 2026 back today at 11:05. It counts as one of your reminders."
    ticker = Ticker(org_config(), db)
    await ticker.tick(snoozed_at + timedelta(minutes=119))
    assert await bobs_messages(db, ids) == [("checkin_prompt", "sent")]
    result = await ticker.tick(snoozed_at + timedelta(hours=2))
    assert result.plan.reminded == 1
    assert await bobs_messages(db, ids) == [("checkin_prompt", "sent"), ("checkin_reminder", "sent")]
    for later in (timedelta(hours=3), timedelta(days=1), timedelta(days=2)):  # reminders: max 1, used by the snooze
        await ticker.tick(snoozed_at + later)
    assert await bobs_messages(db, ids) == [("checkin_prompt", "sent"), ("checkin_reminder", "sent")]
    checkin = await bobs_checkin(db, ids)
    assert (checkin.status, checkin.reminders_sent, checkin.snoozed_until) == ("reminded", 1, None)


async def test_snoozing_until_tomorrow_morning_comes_back_at_nine_in_my_timezone(db: Database) -> None:
    ids = await prompted_bob(db)
    reply = await chat_at(db, MONDAY_NINE_NEW_YORK).say(BOB, "snooze tomorrow")
    assert "back tomorrow at 09:00" in reply
    ticker = Ticker(org_config(), db)
    await ticker.tick(datetime(2026, 12, 1, 13, 59, tzinfo=timezone.utc))
    assert len(await bobs_messages(db, ids)) == 1
    await ticker.tick(datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc))
    assert await bobs_messages(db, ids) == [("checkin_prompt", "sent"), ("checkin_reminder", "sent")]


async def test_a_snooze_past_the_end_of_the_week_is_refused(db: Database) -> None:
    await prompted_bob(db)
    sunday_evening_new_york = datetime(2026, 12, 6, 23, 0, tzinfo=timezone.utc)
    reply = await chat_at(db, sunday_evening_new_york).say(BOB, "snooze 8h")
    assert reply == "Your check-in for week 49 of 2026 closes before then. Type `checkin` to answer now, or `skip` to skip this period."


async def test_a_skipped_week_is_skipped_not_missed_and_gets_no_reminder(db: Database) -> None:
    ids = await prompted_bob(db)
    reply = await chat_at(db, MONDAY_NINE_NEW_YORK).say(BOB, "skip on leave this week")
    assert reply.startswith("Skipped your check-in for week 49 of 2026 (on leave this week).")
    ticker = Ticker(org_config(), db)
    for later in (timedelta(days=1), timedelta(days=7)):
        await ticker.tick(MONDAY_NINE_NEW_YORK + later)
    async with db.session() as s:
        week49 = (await s.exec(select(CheckIn).where(CheckIn.person_id == ids["bob"], CheckIn.period == "2026-W49"))).one()
    assert (week49.status, week49.skip_reason, week49.reminders_sent) == ("skipped", "on leave this week", 0)
    assert [m for m in await bobs_messages(db, ids) if m[0] == "checkin_reminder"] == []


async def test_skipping_before_the_prompt_means_no_prompt_that_week(db: Database) -> None:
    ids = await make_org(db)
    ticker = Ticker(org_config(), db)
    await ticker.tick(MONDAY_NINE_NEW_YORK - timedelta(days=3))
    sunday = MONDAY_NINE_NEW_YORK - timedelta(days=1)
    assert "week 48 of 2026" in await chat_at(db, sunday).say(BOB, "skip")  # still week 48 for Bob on Sunday
    monday = MONDAY_NINE_NEW_YORK - timedelta(hours=9)  # Monday 00:00 in New York: week 49
    assert "week 49 of 2026" in await chat_at(db, monday).say(BOB, "skip")
    await ticker.tick(MONDAY_NINE_NEW_YORK)
    assert [m for m in await bobs_messages(db, ids) if m[0] == "checkin_prompt"] == []


async def test_nothing_to_snooze_says_so(db: Database) -> None:
    await make_org(db)
    assert await chat_at(db, MONDAY_NINE_NEW_YORK).say(BOB, "snooze 2h") == "No check-in is waiting for you right now."
    assert "Try `snooze 2h`" in await chat_at(db, MONDAY_NINE_NEW_YORK).say(BOB, "snooze whenever")


async def test_the_managers_digest_shows_a_skipped_week_as_skipped_with_its_reason(db: Database) -> None:
    from cadences.digest_planner import queue_due_digests
    from cadences.settings import DigestSchedule, NudgePolicy

    ids = await prompted_bob(db)
    await chat_at(db, MONDAY_NINE_NEW_YORK).say(BOB, "skip on leave")
    next_monday_digest = datetime(2026, 12, 7, 7, 31, tzinfo=timezone.utc)  # 08:31 in Berlin, Maya's time
    await queue_due_digests(db, schedule=DigestSchedule(), nudges=NudgePolicy(), now=next_monday_digest)
    async with db.session() as s:
        digests = (await s.exec(select(Delivery).where(Delivery.template == "digest", Delivery.person_id == ids["maya"])
                                .order_by(Delivery.id))).all()
    digest = digests[-1]  # this week's (the first tick also queued last week's)
    assert digest.context["skipped"] == ["Bob (on leave)"]
    assert digest.context["not_checked_in"] == ["Alice"]
    text = FakeChat(Router(org_config(), db)).renderer.render("digest", digest.context)
    assert "Skipped this time: Bob (on leave)" in text


async def test_in_the_terminal_the_prompt_says_how_to_put_it_off_and_snooze_works(db: Database) -> None:
    from bot.console.io import scripted
    from bot.console.session import ConsoleChat

    await prompted_bob(db)
    output: list[str] = []
    chat = ConsoleChat(Router(org_config(), db, clock=lambda: MONDAY_NINE_NEW_YORK), BOB,
                       read=scripted(["snooze tomorrow"], output), write=output.append)
    await chat.run()
    text = "\n".join(output)
    assert "Not now? `snooze 2h`, `snooze tomorrow`, or `skip`" in text
    assert "OK Bob, I will bring your check-in for week 49 of 2026 back tomorrow at 09:00." in text


async def test_the_digest_separates_people_not_asked_yet_from_those_asked_and_silent(db: Database) -> None:
    from cadences.digest_planner import queue_due_digests
    from cadences.settings import DigestSchedule, NudgePolicy
    from storage.models import Person

    ids = await prompted_bob(db)  # Alice (Berlin) and Bob (New York) were prompted on Monday
    async with db.transaction() as s:
        s.add(Person(email="new@x.com", name="Nia", timezone="Asia/Tokyo", country="JP", manager_id=ids["maya"]))
    await queue_due_digests(db, schedule=DigestSchedule(), nudges=NudgePolicy(),
                            now=datetime(2026, 12, 7, 7, 31, tzinfo=timezone.utc))
    async with db.session() as s:
        digest = (await s.exec(select(Delivery).where(Delivery.template == "digest", Delivery.person_id == ids["maya"])
                               .order_by(Delivery.id.desc()))).first()
    assert digest.context["not_checked_in"] == ["Alice", "Bob"] and digest.context["not_asked"] == ["Nia"]
    text = FakeChat(Router(org_config(), db)).renderer.render("digest", digest.context)
    assert "Not asked yet (their check-in time has not come): Nia" in text


async def test_a_digest_due_on_a_public_holiday_comes_on_the_next_working_day(db: Database) -> None:
    from storage.repositories.digest_data import OrgPerson
    from cadences.digest_planner import digest_time
    from cadences.settings import DigestSchedule

    manager = OrgPerson(1, "Maya", "maya@x.com", "Europe/Berlin", None, None, False, MONDAY_NINE_NEW_YORK, None, None, "DE")
    whit_monday = datetime(2026, 5, 25, 12, 0, tzinfo=timezone.utc)  # a public holiday in Germany
    period, at = digest_time(manager, DigestSchedule(), whit_monday)
    assert (period, at) == ("2026-W22", datetime(2026, 5, 26, 6, 30, tzinfo=timezone.utc))  # Tuesday 08:30 Berlin
    in_tokyo = OrgPerson(2, "Ken", "k@x.com", "Asia/Tokyo", None, None, False, MONDAY_NINE_NEW_YORK, None, None, "JP")
    assert digest_time(in_tokyo, DigestSchedule(), whit_monday)[1] == datetime(2026, 5, 24, 23, 30, tzinfo=timezone.utc)
