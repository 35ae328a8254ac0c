"""The terminal adapter: a person types commands and answers the check-in field by field."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.console.io import scripted
from bot.console.platform import ConsolePlatform
from bot.console.session import ConsoleChat
from bot.router import Router
from cadences.notifier import OutboundMessage, PermanentFailure
from cadences.outbox import delivery_row, enqueue_rows
from storage.db import Database
from storage.models import Blocker, CheckIn, KeyResult, KRUpdate, Win
from tests.orgchart import ALICE, BOB, MAYA, NOW, make_org, org_config

# okrs, then a check-in: activation (value, confidence, note), onboarding-days, one blocker
# linked to key result 2, one shared win that moved key result 2, then `okrs` again.
CHECKIN_SESSION = [
    "checkin",
    "48", "6", "",
    "21", "7", "two accounts live early",
    "Waiting for SSO access from IT", "2", "",
    "Acme went live in 9 days", "2", "y", "",
]


async def run_console(db: Database, lines: list[str], who: str = ALICE) -> list[str]:
    output: list[str] = []
    chat = ConsoleChat(Router(org_config(), db, clock=lambda: NOW), who, read=scripted(lines, output), write=output.append)
    await chat.run()
    return output


async def test_checkin_typed_in_the_terminal_lands_in_the_database(db: Database) -> None:
    ids = await make_org(db)
    output = await run_console(db, CHECKIN_SESSION + ["okrs"])
    text = "\n".join(output)
    assert "Recorded your check-in for week 48 of 2026, thank you Alice." in text
    assert "██████░░░░ 56%  Median days to first value [onboarding-days]" in text.split("[alice@x.com ➡ bot] okrs")[1]
    assert output[-2:] == ["", "Bye!"]
    async with db.session() as s:
        [checkin] = (await s.exec(select(CheckIn))).all()
        updates = (await s.exec(select(KRUpdate).order_by(KRUpdate.key_result_id))).all()
        [blocker] = (await s.exec(select(Blocker))).all()
        [win] = (await s.exec(select(Win))).all()
        onboarding = await s.get(KeyResult, ids["onboarding-days"])
    assert checkin.status == "answered"
    assert [(u.value, u.confidence, u.note) for u in updates] == [(21, 7, "two accounts live early"), (48, 6, "")]
    assert (blocker.text, blocker.key_result_id) == ("Waiting for SSO access from IT", ids["onboarding-days"])
    assert (win.text, win.share, win.status, win.key_result_id) == ("Acme went live in 9 days", True, "approved", ids["onboarding-days"])
    assert (onboarding.current, onboarding.confidence) == (21, 7)


async def test_invalid_answers_are_asked_again_with_what_was_typed(db: Database) -> None:
    await make_org(db)
    lines = ["checkin", "lots", "48", "high", "11", "6", "", "21", "7", "", "SSO", "9", "", "", "win", "", "maybe", "n", ""]
    output = await run_console(db, lines)
    assert output[output.index("  new value: lots") + 1] == "    ⚠ the value is a number %, like 40; you typed 'lots'"
    assert output[output.index("  new value: lots") + 2] == "  new value: 48"
    assert "    ⚠ confidence is a whole number from 0 to 10; you typed 'high'" in output
    assert "    ⚠ confidence is a whole number from 0 to 10; you typed '11'" in output
    assert "    ⚠ type a number from 1 to 2, or press Enter" in output
    assert "    ⚠ answer y or n; you typed 'maybe'" in output
    assert any(line.startswith("Recorded your check-in") for line in output)


async def test_end_of_input_in_the_middle_of_the_form_saves_nothing(db: Database) -> None:
    await make_org(db)
    output = await run_console(db, ["checkin", "48", "6", "", "21"])
    assert output[-1] == "Check-in cancelled; nothing was saved. Type `checkin` to start again."
    async with db.session() as s:
        assert (await s.exec(select(KRUpdate))).all() == []
        assert [c.status for c in (await s.exec(select(CheckIn))).all()] == ["pending"]
        assert all(kr.current is None for kr in (await s.exec(select(KeyResult))).all())


async def test_checkin_again_starts_from_my_answers_and_enter_keeps_them(db: Database) -> None:
    await make_org(db)
    await run_console(db, CHECKIN_SESSION)
    keep_all_but_one_confidence = ["", "", "", "", "9", "", "", "", "", "", "", "", ""]
    output = await run_console(db, ["checkin", *keep_all_but_one_confidence])
    assert output[2].startswith("Your weekly check-in for week 48 of 2026 (your answers so far; `-` clears one).")
    assert "  new value [48]: " in output and "  confidence 0–10 [7]: 9" in output
    assert "  note (optional) [two accounts live early]: " in output
    assert "  blocker 1 [Waiting for SSO access from IT]: " in output
    assert "  win 1 [Acme went live in 9 days]: " in output and "    share it in your team's channel? (Y/n): " in output
    assert any(line.startswith("Updated your check-in for week 48 of 2026") for line in output)
    async with db.session() as s:
        assert [(u.value, u.confidence, u.note) for u in (await s.exec(select(KRUpdate).order_by(KRUpdate.key_result_id))).all()] == [
            (21, 9, "two accounts live early"), (48, 6, "")
        ]
        assert len((await s.exec(select(Blocker))).all()) == 1
        [win] = (await s.exec(select(Win))).all()
    assert (win.text, win.share) == ("Acme went live in 9 days", True)


async def test_quit_or_cancel_typed_inside_the_form_leaves_it_and_saves_nothing(db: Database) -> None:
    await make_org(db)
    for word in ("quit", "cancel", "CANCEL"):
        output = await run_console(db, ["checkin", "48", word, "okrs"])
        assert "Check-in cancelled; nothing was saved. Type `checkin` to start again." in output
        assert "[alice@x.com ➡ bot] okrs" in output  # back at the command prompt
    async with db.session() as s:
        assert (await s.exec(select(KRUpdate))).all() == []


async def test_the_form_says_when_it_stops_asking_for_more_blockers(db: Database) -> None:
    await make_org(db)
    lines = ["checkin", "48", "6", "", "21", "7", "", "one", "", "two", "", "three", "", "", ""]
    output = await run_console(db, lines)
    assert "  That is 3 blockers, the most one check-in holds; tell your manager about any more." in output


async def test_monthly_reflection_questions_are_asked_in_the_terminal(db: Database) -> None:
    await make_org(db)
    lines = ["checkin monthly", "48", "6", "", "21", "7", "", "", "", "Retention moved: teams onboard themselves", ""]
    output = await run_console(db, lines)
    assert "  Which outcome moved most this month, and what changed in how people behave?" in output
    async with db.session() as s:
        [checkin] = (await s.exec(select(CheckIn))).all()
    assert list(checkin.reflections.values()) == ["Retention moved: teams onboard themselves"]


async def test_messages_sent_while_away_show_once_on_start(db: Database) -> None:
    await make_org(db)
    sent = {"status": "sent", "sent_at": NOW}
    async with db.transaction() as s:
        await enqueue_rows(s, [
            {**delivery_row(key="p1", template="checkin_done", context={"checkin_id": 1, "person": {"name": "Alice", "email": ALICE}, "period_label": "week 47 of 2026"}, platform="console", address=ALICE, now=NOW), **sent},
            {**delivery_row(key="p2", template="digest_v9", context={}, platform="console", address=ALICE, now=NOW), **sent, "sent_at": NOW + timedelta(seconds=1)},
            {**delivery_row(key="p3", template="checkin_done", context={}, platform="console", address=MAYA, now=NOW), **sent},
            delivery_row(key="p4", template="checkin_done", context={}, platform="console", address=ALICE, now=NOW),
        ])
    first = await run_console(db, ["help"])
    assert first[1:3] == [
        "📬 ✅ Checked in for week 47 of 2026 — thank you, Alice.",
        "📬 (a digest v9 message this terminal cannot show)",
    ]
    again = await run_console(db, ["help"])
    assert not any(line.startswith("📬") for line in again)


async def test_console_platform_keeps_messages_and_refuses_broken_ones() -> None:
    console = ConsolePlatform()
    ok = OutboundMessage(1, "k", "console", ALICE, "checkin_done", {"checkin_id": 1, "person": {"name": "A", "email": ALICE}, "period_label": "x"})
    assert (await console.deliver(ok)).message_ref is None
    assert (await console.deliver(OutboundMessage(2, "k2", "console", ALICE, "digest_v9", {}))).message_ref is None
    for broken in (
        OutboundMessage(3, "k3", "console", ALICE, "checkin_done", {}),
        OutboundMessage(4, "k4", "console", "", "checkin_done", {}),
    ):
        try:
            await console.deliver(broken)
        except PermanentFailure:
            continue
        raise AssertionError(f"{broken.template} to {broken.address!r} was accepted")


async def test_prompt_sent_by_the_scheduler_shows_in_the_terminal_and_checkin_answers_it(db: Database) -> None:
    from datetime import datetime, timezone

    from bot.ticker import Ticker

    ids = await make_org(db)
    monday_nine_new_york = datetime(2026, 11, 30, 14, 0, tzinfo=timezone.utc)
    await Ticker(org_config(), db).tick(monday_nine_new_york)
    output: list[str] = []
    chat = ConsoleChat(
        Router(org_config(), db, clock=lambda: monday_nine_new_york), BOB,
        read=scripted(["checkin", "20", "6", "", "", ""], output), write=output.append,
    )
    await chat.run()
    assert output[1].startswith("📬 Hi Bob, time for your weekly check-in for week 49 of 2026.\nHow did your key results move?")
    assert any(line.startswith("Recorded your check-in for week 49 of 2026") for line in output)
    async with db.session() as s:
        bobs = (await s.exec(select(CheckIn).where(CheckIn.person_id == ids["bob"]))).all()
    assert [(c.period, c.status) for c in bobs] == [("2026-W49", "answered")]
