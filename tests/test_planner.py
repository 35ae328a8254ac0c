"""The planner against a real database: who gets prompted when, reminders, missed, downtime."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from cadences.calendar import WorkCalendar, prompt_at
from cadences.settings import CadenceRule, ReminderPolicy
from storage.db import Database
from storage.models import CheckIn, CheckInStatus, Person
from tests.cadence_fixtures import (
    WEEKLY, add_leave, add_people, add_person, checkins, deliveries, planner, schedules, utc,
)

SUNDAY_NOON = utc(2026, 3, 1, 12)  # W09; Monday 2 March is the first prompt
MONDAY_NINE_BERLIN = utc(2026, 3, 2, 8)


async def test_people_in_five_timezones_are_each_prompted_at_nine_local(db: Database) -> None:
    zones = {"Europe/Berlin": "DE", "America/New_York": "US", "Asia/Kolkata": "IN",
             "Pacific/Kiritimati": "KI", "Australia/Lord_Howe": "AU"}
    for n, (tz, country) in enumerate(zones.items()):
        await add_person(db, f"p{n}@example.com", tz=tz, country=country)
    plan = planner(db)
    await plan.tick(utc(2026, 5, 9, 0))  # Saturday: schedules for week 20
    everyday = WorkCalendar.build(working_days=("monday",), country=None)
    dues = sorted((prompt_at(WEEKLY, "2026-W20", tz=tz, calendar=everyday), n, tz) for n, tz in enumerate(zones))
    for due, n, tz in dues:  # Kiritimati first (Sunday 19:00 UTC), New York last
        before = {d.person_id for d in await deliveries(db)}
        await plan.tick(due - timedelta(minutes=1))
        assert {d.person_id for d in await deliveries(db)} == before  # not a minute early
        await plan.tick(due)
        prompted = [d for d in await deliveries(db) if d.person_id == n + 1]
        assert len(prompted) == 1 and prompted[0].template == "checkin_prompt"
        local = prompted[0].created_at.astimezone(ZoneInfo(tz))
        assert (local.date(), local.hour, local.minute) == (date(2026, 5, 11), 9, 0)


async def test_an_unanswered_check_in_gets_one_reminder_then_is_missed_silently(db: Database) -> None:
    await add_person(db, "ann@example.com")
    plan = planner(db, reminders=ReminderPolicy(after_hours=24, max=1))
    await plan.tick(SUNDAY_NOON)
    first = await plan.tick(MONDAY_NINE_BERLIN)
    assert first.prompted == 1
    assert (await plan.tick(MONDAY_NINE_BERLIN + timedelta(hours=23))).reminded == 0
    assert (await plan.tick(MONDAY_NINE_BERLIN + timedelta(hours=24))).reminded == 1
    assert (await plan.tick(MONDAY_NINE_BERLIN + timedelta(days=3))).reminded == 0  # max 1
    ended = await plan.tick(utc(2026, 3, 8, 23, 0))  # Monday 00:00 Berlin: week 10 is over
    assert ended.missed == 1
    keys = [d.idempotency_key for d in await deliveries(db)]
    assert keys == ["checkin:1:1:2026-W10:prompt", "checkin:1:1:2026-W10:reminder:1"]
    assert [c.status for c in await checkins(db)] == [CheckInStatus.missed]


async def test_a_reminder_due_on_saturday_waits_for_monday_and_never_crosses_the_period(db: Database) -> None:
    await add_person(db, "ann@example.com")
    friday = CadenceRule(name="weekly", every="week", on="friday", at="09:00")
    plan = planner(db, friday, reminders=ReminderPolicy(after_hours=24, max=1))
    await plan.tick(SUNDAY_NOON)
    assert (await plan.tick(utc(2026, 3, 6, 8))).prompted == 1
    assert (await plan.tick(utc(2026, 3, 7, 8))).reminded == 0  # Saturday
    assert (await plan.tick(utc(2026, 3, 8, 23))).missed == 1  # week over, no weekend reminder
    assert len(await deliveries(db)) == 1


async def test_three_weeks_of_downtime_bring_one_prompt_and_mark_the_past_weeks_missed(db: Database) -> None:
    await add_person(db, "ann@example.com")
    plan = planner(db)
    await plan.tick(SUNDAY_NOON)
    back = utc(2026, 3, 25, 10)  # Wednesday of week 13; weeks 10, 11 and 12 passed unseen
    result = await plan.tick(back)
    assert result.prompted == 1
    assert [d.context["period"] for d in await deliveries(db)] == ["2026-W13"]
    assert [(c.period, c.status) for c in await checkins(db)] == [
        ("2026-W10", "missed"), ("2026-W11", "missed"), ("2026-W12", "missed"), ("2026-W13", "prompted"),
    ]
    again = await plan.tick(back + timedelta(minutes=1))
    assert again.prompted == 0
    assert (await schedules(db))[0].period == "2026-W14"


async def test_someone_who_checked_in_on_friday_morning_gets_no_friday_prompt(db: Database) -> None:
    person_id = await add_person(db, "ann@example.com")
    friday = CadenceRule(name="weekly", every="week", on="friday", at="16:00")
    plan = planner(db, friday)
    await plan.tick(SUNDAY_NOON)
    async with db.transaction() as session:  # what `checkin` + submit leave behind
        session.add(CheckIn(person_id=person_id, cadence_id=1, period="2026-W10",
                            status=CheckInStatus.answered, answered_at=utc(2026, 3, 6, 9)))
    result = await plan.tick(utc(2026, 3, 6, 15))
    assert (result.prompted, result.already_answered) == (0, 1)
    assert await deliveries(db) == []
    assert (await schedules(db))[0].period == "2026-W11"


async def test_a_check_in_opened_but_not_submitted_is_still_prompted(db: Database) -> None:
    person_id = await add_person(db, "ann@example.com")
    plan = planner(db)
    await plan.tick(SUNDAY_NOON)
    async with db.transaction() as session:
        session.add(CheckIn(person_id=person_id, cadence_id=1, period="2026-W10", status=CheckInStatus.pending))
    assert (await plan.tick(MONDAY_NINE_BERLIN)).prompted == 1
    [checkin] = await checkins(db)
    assert checkin.status == CheckInStatus.prompted and checkin.next_action_at is not None
    assert (await deliveries(db))[0].context["checkin_id"] == checkin.id


async def test_ticking_twice_at_the_same_instant_queues_each_prompt_once(db: Database) -> None:
    await add_people(db, 30)
    plan = planner(db, batch_size=7)
    await plan.tick(SUNDAY_NOON)
    first = await plan.tick(MONDAY_NINE_BERLIN)
    second = await planner(db, batch_size=7).tick(MONDAY_NINE_BERLIN)
    assert (first.prompted, second.prompted) == (30, 0)
    keys = [d.idempotency_key for d in await deliveries(db)]
    assert len(keys) == len(set(keys)) == 30


async def test_leave_booked_after_planning_moves_the_prompt_without_a_message(db: Database) -> None:
    person_id = await add_person(db, "ann@example.com")
    plan = planner(db)
    await plan.tick(SUNDAY_NOON)
    await add_leave(db, person_id, date(2026, 3, 2), date(2026, 3, 3))
    assert (await plan.tick(MONDAY_NINE_BERLIN)).prompted == 0
    assert (await schedules(db))[0].next_prompt_at == utc(2026, 3, 4, 8)
    assert (await plan.tick(utc(2026, 3, 4, 8))).prompted == 1


async def test_a_week_fully_on_leave_is_skipped_without_a_message(db: Database) -> None:
    person_id = await add_person(db, "ann@example.com")
    await add_leave(db, person_id, date(2026, 3, 2), date(2026, 3, 8))
    plan = planner(db)
    await plan.tick(SUNDAY_NOON)
    result = await plan.tick(utc(2026, 3, 2, 0))
    assert (result.skipped, result.prompted) == (1, 0)
    assert [(c.period, c.status) for c in await checkins(db)] == [("2026-W10", "skipped")]
    assert (await schedules(db))[0].next_prompt_at == utc(2026, 3, 9, 8)


async def test_people_added_later_are_planned_and_inactive_people_are_not_prompted(db: Database) -> None:
    first = await add_person(db, "ann@example.com")
    plan = planner(db)
    await plan.tick(SUNDAY_NOON)
    await add_person(db, "bob@example.com")
    assert (await plan.tick(SUNDAY_NOON + timedelta(minutes=1))).scheduled == 1
    async with db.transaction() as session:
        await session.execute(update(Person).where(Person.id == first).values(active=False))
    result = await plan.tick(MONDAY_NINE_BERLIN)
    assert result.prompted == 1
    assert [d.address for d in await deliveries(db)] == ["bob@example.com"]


async def test_a_new_person_joining_after_this_weeks_prompt_starts_next_week(db: Database) -> None:
    await add_person(db, "ann@example.com")
    plan = planner(db)
    await plan.tick(utc(2026, 3, 3, 12))
    assert [(s.period, s.next_prompt_at) for s in await schedules(db)] == [("2026-W11", utc(2026, 3, 9, 8))]


async def test_a_check_in_opened_but_never_submitted_or_prompted_counts_as_missed_when_its_week_ends(db: Database) -> None:
    from sqlmodel import select

    from cadences.periods import period_bounds
    from storage.models import Cadence
    from storage.repositories.checkins import get_or_create_checkin

    person_id = await add_person(db, "ann@example.com")
    plan = planner(db)
    await plan.tick(SUNDAY_NOON)  # plans Monday 2 March; week 9 itself is never prompted
    async with db.transaction() as session:
        person = await session.get(Person, person_id)
        cadence = (await session.exec(select(Cadence).where(Cadence.name == "weekly"))).one()
        await get_or_create_checkin(session, person=person, cadence=cadence, period="2026-W09",
                                    period_ends_at=period_bounds("2026-W09", "Europe/Berlin")[1])
    assert (await plan.tick(SUNDAY_NOON)).missed == 0
    result = await plan.tick(MONDAY_NINE_BERLIN)
    assert result.missed == 1
    assert {(c.period, c.status) for c in await checkins(db)} == {("2026-W09", "missed"), ("2026-W10", "prompted")}
