"""`away FROM to UNTIL`: two weeks off means no prompt, reminder or "missed", and the manager's
digest says "away until …" — on the fake platform, the terminal, Slack and Teams."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from bot.fake import FakeChat
from bot.router import Router
from bot.ticker import Ticker
from storage.db import Database
from storage.models import CheckIn, Delivery, LeavePeriod
from tests import teams_activities as act
from tests.daily_rigs import Clock, slack_rig, teams_rig
from tests.orgchart import BOB, NOW, make_org, org_config
from tests.test_teams_conversation import BOB as TEAMS_BOB, DIRECTORY, install

TWO_WEEKS = "away 2026-12-21 to 2027-01-04"


def chat_at(db: Database, now: datetime = NOW) -> FakeChat:
    return FakeChat(Router(org_config(), db, clock=lambda: now))


async def test_two_weeks_away_means_no_prompt_no_reminder_no_missed_and_the_digest_says_away(db: Database) -> None:
    ids = await make_org(db)
    reply = await chat_at(db).say(BOB, TWO_WEEKS)
    assert reply.startswith("Enjoy your time off, Bob! You are away from Mon 21 Dec 2026 to Mon 4 Jan 2027")
    ticker = Ticker(org_config(), db)
    day = datetime(2026, 12, 14, 15, 0, tzinfo=timezone.utc)
    while day < datetime(2027, 1, 7, tzinfo=timezone.utc):
        await ticker.tick(day)
        await ticker.tick(day + timedelta(hours=18))  # digests at 08:30 Berlin
        day += timedelta(days=1)
    async with db.session() as s:
        bobs = (await s.exec(select(Delivery).where(Delivery.person_id == ids["bob"]).order_by(Delivery.id))).all()
        checkins = {c.period: c.status for c in (await s.exec(select(CheckIn).where(CheckIn.person_id == ids["bob"])))}
        digests = (await s.exec(select(Delivery).where(Delivery.person_id == ids["maya"], Delivery.template == "digest")
                                .order_by(Delivery.id))).all()
    sent = [(d.template, d.created_at.date().isoformat()) for d in bobs]
    assert [s for s in sent if "2026-12-19" < s[1] < "2027-01-05"] == []  # nothing while away
    assert ("checkin_prompt", "2027-01-05") in sent  # back on Tuesday: Monday 4 January was still leave
    assert (checkins["2026-W52"], checkins["2026-W53"]) == ("skipped", "skipped")
    assert checkins["2026-W51"] == "missed"  # prompted on 14 December, unanswered before the leave began
    during = [d.context for d in digests if d.context["period"] in ("2026-W52", "2026-W53")]
    assert during and all(c["away"] == ["Bob (away until 4 January 2027)"] for c in during)
    assert all("Bob" not in c["not_checked_in"] for c in during)


async def test_away_lists_and_cancels_and_explains_bad_dates(db: Database) -> None:
    await make_org(db)
    chat = chat_at(db)
    await chat.verify_dialog(BOB, [
        ("away", "You have no time away planned. Add some with `away 2026-12-21 to 2027-01-04` (dates as YYYY-MM-DD, both days included)."),
        ("away 21/12 to 4/1", "I could not read the dates in “21/12 to 4/1”. Write them as YYYY-MM-DD, e.g. `away 2026-12-21 to 2027-01-04`."),
        ("away 2027-01-04 to 2026-12-21", "The last day comes before the first in “2027-01-04 to 2026-12-21”. Try `away FIRST to LAST`, e.g. `away 2026-12-21 to 2027-01-04`."),
        ("away 2026-01-01 to 2026-01-05", "That time away is already over. Give days from today on, e.g. `away 2026-12-21 to 2027-01-04`."),
    ])
    await chat.say(BOB, TWO_WEEKS)
    await chat.say(BOB, "away until 2026-11-27")
    await chat.verify_dialog(BOB, [
        ("away", "Your time away (no check-ins then):\n  1. Tue 24 Nov 2026 to Fri 27 Nov 2026\n"
                 "  2. Mon 21 Dec 2026 to Mon 4 Jan 2027\nType `away cancel N` to cancel one."),
        ("away cancel", "Which one? Type `away cancel N` with its number:\n  1. Tue 24 Nov 2026 to Fri 27 Nov 2026\n"
                        "  2. Mon 21 Dec 2026 to Mon 4 Jan 2027"),
        ("away cancel 2", "Cancelled your time away from Mon 21 Dec 2026 to Mon 4 Jan 2027; check-ins come as usual."),
    ])
    async with db.session() as s:
        assert len((await s.exec(select(LeavePeriod))).all()) == 1


async def test_in_the_terminal_away_is_typed_like_any_command(db: Database) -> None:
    from bot.console.io import scripted
    from bot.console.session import ConsoleChat

    await make_org(db)
    output: list[str] = []
    chat = ConsoleChat(Router(org_config(), db, clock=lambda: NOW), BOB, read=scripted([TWO_WEEKS, "away"], output),
                       write=output.append)
    await chat.run()
    assert "  1. Mon 21 Dec 2026 to Mon 4 Jan 2027" in "\n".join(output)


async def test_away_in_a_slack_dm(db: Database) -> None:
    async with slack_rig(db, Clock()) as rig:
        response = await rig.event({"type": "message", "channel_type": "im", "channel": "DALICE", "user": "UALICE",
                                    "text": TWO_WEEKS, "ts": "1700000000.000100"})
        assert response.status == 200
        [answer] = await rig.fake.wait_for("chat.postMessage")
        assert answer.args["text"].startswith("Enjoy your time off, Alice!")
        async with db.session() as s:
            [leave] = (await s.exec(select(LeavePeriod))).all()
        assert (leave.person_id, leave.starts_on.isoformat(), leave.ends_on.isoformat()) == (
            rig.ids["alice"], "2026-12-21", "2027-01-04")


async def test_away_in_the_teams_chat(db: Database) -> None:
    async with teams_rig(db, Clock(), DIRECTORY) as teams:
        await install(teams)
        teams.connector.calls.clear()
        await teams.post(act.personal_message(teams.url, TEAMS_BOB, "a:conv-bob", TWO_WEEKS))
        [answer] = teams.connector.sent("a:conv-bob")
        assert "Enjoy your time off, Bob!" in " ".join(answer.texts())
        teams.connector.calls.clear()
        await teams.post(act.personal_message(teams.url, TEAMS_BOB, "a:conv-bob", "away cancel"))
        [answer] = teams.connector.sent("a:conv-bob")
        assert "Cancelled your time away" in " ".join(answer.texts())
