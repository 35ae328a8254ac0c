"""The terminal explains itself: replies show the numbers `ack N` / `approve N` need, a win is
"shared with your team" only when the team has a channel, and in terminal-only mode what a
command caused is delivered when the command finishes."""

from __future__ import annotations

from sqlmodel import select

from bot.console.io import scripted
from bot.console.launch import chat_in_terminal
from bot.fake import FakeChat
from bot.router import Router
from storage.db import Database
from storage.models import Blocker, Delivery, Team
from tests.channel_helpers import remove_channels
from tests.orgchart import ALICE, BOB, MAYA, NOW, make_org, org_config


async def alice_blocked(db: Database) -> tuple[dict[str, int], FakeChat]:
    ids = await make_org(db)
    chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))
    await chat.say(ALICE, "checkin")
    await chat.submit(ALICE, {f"kr.{ids['activation']}.value": "48", f"kr.{ids['activation']}.confidence": "6",
                              f"kr.{ids['onboarding-days']}.value": "21", f"kr.{ids['onboarding-days']}.confidence": "7",
                              "blocker.1.text": "Waiting for SSO", "win.1.text": "Acme live", "win.1.share": "yes"})
    return ids, chat


async def test_blockers_show_the_number_ack_needs(db: Database) -> None:
    await alice_blocked(db)
    async with db.session() as s:
        [blocker] = (await s.exec(select(Blocker))).all()
    reply = await FakeChat(Router(org_config(), db, clock=lambda: NOW)).say(MAYA, "blockers")
    assert f"[{blocker.id}] Waiting for SSO (new)" in reply
    assert "Type `ack N` to acknowledge one (its author is told), `resolve N` or `details N`, N being its [number]." in reply


async def test_a_shared_win_is_not_said_to_be_shared_when_the_team_has_no_channel(db: Database) -> None:
    ids = await make_org(db)
    async with db.transaction() as s:
        team = (await s.exec(select(Team))).one()
        await remove_channels(s, team.id)
    chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))
    await chat.say(ALICE, "checkin")
    reply = await chat.submit(ALICE, {f"kr.{ids['activation']}.value": "48", f"kr.{ids['activation']}.confidence": "6",
                                      f"kr.{ids['onboarding-days']}.value": "21", f"kr.{ids['onboarding-days']}.confidence": "7",
                                      "win.1.text": "Acme live", "win.1.share": "yes"})
    assert "🎉 Win: Acme live (to share once your team has a channel)" in reply and "shared with your team" not in reply
    win = await chat.say(ALICE, "win Closed the backlog")
    assert win.endswith("your team has no channel for wins yet (an admin can add one).")


async def test_in_terminal_only_mode_the_author_hears_of_the_ack_when_the_command_finishes(db: Database) -> None:
    ids = await make_org(db)
    chat = FakeChat(Router(org_config(), db, clock=lambda: NOW))
    await chat.say(BOB, "checkin")
    await chat.submit(BOB, {f"kr.{ids['first-reply-hours']}.value": "20", f"kr.{ids['first-reply-hours']}.confidence": "6",
                            "blocker.1.text": "Need a second on-call"})
    async with db.session() as s:
        [blocker] = (await s.exec(select(Blocker))).all()
    output: list[str] = []
    await chat_in_terminal(org_config(), db, email=MAYA, read=scripted([f"ack {blocker.id}"], output),
                           write=output.append, terminal_only=True)
    async with db.session() as s:
        told = (await s.exec(select(Delivery).where(Delivery.template == "blocker_acknowledged"))).all()
    assert [(d.address, d.status) for d in told] == [(BOB, "sent")]  # no `tick` needed
