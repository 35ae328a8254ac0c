"""Each chat command as a dialog through the fake platform and the real router."""

from __future__ import annotations

import pytest

from bot.fake import FakeChat
from bot.platform import MemberJoined, Reply, Sender
from bot.router import Router
from storage.db import Database
from tests.orgchart import ALICE, BOB, MAYA, NOW, make_org, org_config


@pytest.fixture
async def org(db: Database) -> dict[str, int]:
    return await make_org(db)


@pytest.fixture
def chat(db: Database, org) -> FakeChat:
    return FakeChat(Router(org_config(), db, clock=lambda: NOW))


async def test_help_lists_every_command(chat: FakeChat) -> None:
    reply = await chat.say(ALICE, "help")
    assert reply.startswith("Hi Alice! Here is what I can do:")
    for word in ("okrs ", "okrs @person", "checkin ", "snooze ", "skip ", "away ", "win TEXT", "blockers", "outcomes", "help "):
        assert f"  {word}" in reply


async def test_unknown_command_gets_help_quoting_what_was_typed(chat: FakeChat) -> None:
    reply = await chat.say(ALICE, "dance for me")
    assert reply.startswith("I did not understand “dance for me”. Here is what I can do:")
    assert "win TEXT" in reply


async def test_slash_and_capitals_are_the_same_command(chat: FakeChat) -> None:
    assert (await chat.say(ALICE, "/OKRS")).startswith("Your OKRs, Alice")


async def test_a_stranger_is_told_how_to_get_added(chat: FakeChat) -> None:
    reply = await chat.say("nobody@x.com", "okrs")
    assert reply.startswith("Hi! I don't know you yet (fake: nobody@x.com).")
    assert "outcomebot import people.csv" in reply


async def test_okrs_shows_my_key_results_with_progress_bars(chat: FakeChat) -> None:
    await chat.verify_dialog(
        ALICE,
        [
            (
                "okrs",
                "Your OKRs, Alice\n"
                "\n"
                "Onboard every new account within 14 days (2026-Q4)\n"
                "  for outcome: Customers stay because they succeed\n"
                "  ░░░░░░░░░░ 0%  Accounts active in week two [activation]\n"
                "      no value yet · 40 → 70%\n"
                "  ░░░░░░░░░░ 0%  Median days to first value [onboarding-days]\n"
                "      no value yet · 30 → 14 days",
            )
        ],
    )


async def test_someone_without_key_results_is_told_how_they_get_some(chat: FakeChat) -> None:
    reply = await chat.say(MAYA, "okrs")
    assert "You have no key results yet" in reply
    assert "outcomebot import okrs.yaml" in reply


async def test_win_is_saved_privately_and_a_retry_is_not_a_second_win(chat: FakeChat, db: Database) -> None:
    from sqlmodel import select

    from storage.models import Win

    first = await chat.say(ALICE, "win Acme went live in 9 days")
    again = await chat.say(ALICE, "win  Acme went live in 9 days")
    assert first == again == (
        "🎉 Nice one, Alice! Saved your win [1]: “Acme went live in 9 days”.\n"
        "It stays between you and your manager chain unless you share it: type `approve 1` to announce it in your team's channel."
    )
    async with db.session() as s:
        wins = (await s.exec(select(Win))).all()
    assert [(w.text, w.status, w.share) for w in wins] == [("Acme went live in 9 days", "draft", False)]


async def test_win_without_text_explains_the_command(chat: FakeChat) -> None:
    await chat.verify_dialog(ALICE, [("win", "Tell me the win after the word, like `win Acme went live in 9 days`.")])


async def test_too_long_win_says_the_limit_and_saves_nothing(chat: FakeChat) -> None:
    reply = await chat.say(ALICE, "win " + "x" * 1001)
    assert reply == "I could not save that win: a win can be at most 1000 characters; this one has 1001."


async def test_outcomes_show_each_objective_progress_and_leading_indicators(chat: FakeChat, org) -> None:
    await chat.verify_dialog(
        ALICE,
        [
            (
                "outcomes",
                "░░░░░░░░░░ 0%  Customers stay because they succeed [retention, 2026-Q4]\n"
                "  leading indicators: Weekly active teams per account\n"
                "  ░░░░░░░░░░ 0%  Onboard every new account within 14 days\n"
                "  ░░░░░░░░░░ 0%  Answer support within a day",
            )
        ],
    )


async def test_blockers_without_any_say_so(chat: FakeChat) -> None:
    await chat.verify_dialog(BOB, [("blockers", "You have no open blockers.")])
    reply = await chat.say(MAYA, "blockers")
    assert reply == "You have no open blockers.\n\nNone of your reports has an open blocker."


async def test_a_new_member_gets_the_help_text(db: Database, org) -> None:
    router = Router(org_config(), db, clock=lambda: NOW)
    [reply] = await router.dispatch(MemberJoined(Sender("slack", "UALICE"), email=ALICE))
    assert isinstance(reply, Reply) and reply.template == "help"
    assert await router.dispatch(MemberJoined(Sender("slack", "UNOBODY"))) == []


async def test_slack_and_teams_senders_are_recognised_by_their_platform_ids(db: Database, org) -> None:
    router = Router(org_config(), db, clock=lambda: NOW)
    from bot.platform import MessageReceived

    for sender in (Sender("slack", "UALICE"), Sender("teams", "aad-alice"), Sender("console", "ALICE@x.com")):
        [reply] = await router.dispatch(MessageReceived(sender, "okrs"))
        assert reply.context["person"]["email"] == ALICE  # type: ignore[union-attr]
