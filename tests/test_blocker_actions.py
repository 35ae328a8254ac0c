"""Acknowledge, resolve, ask for details, and "not useful": what changes and who is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.config import AppConfig, Organisation
from bot.fake import FakeChat
from bot.router import Router
from cadences.digest_planner import queue_due_digests
from cadences.settings import DigestSchedule, NudgePolicy
from storage.models import Blocker, BlockerStatus, Delivery, Nudge
from tests.manager_team import NOW, seed_team


@pytest.fixture
async def team(db):
    async with db.transaction() as session:
        return await seed_team(session)


def chat_at(db, now=NOW) -> FakeChat:
    config = AppConfig(organisation=Organisation(name="X", timezone="Europe/Berlin", country="DE", admins=("zoe@example.com",)))
    return FakeChat(Router(config, db, now=now))


async def blocker(db, blocker_id: int) -> Blocker:
    async with db.session() as session:
        return await session.get(Blocker, blocker_id)


async def sent(db, template: str) -> list[Delivery]:
    async with db.session() as session:
        return list((await session.exec(select(Delivery).where(Delivery.template == template).order_by(Delivery.id))).all())


async def test_manager_acknowledges_a_blocker_and_the_author_is_told(db, team) -> None:
    chat = chat_at(db)
    ben = team.blockers["ben_db_3"].id
    reply = await chat.say("maya@example.com", f"ack {ben}")
    assert reply == f"Acknowledged blocker {ben} from Ben; they have been told."
    row = await blocker(db, ben)
    assert (row.status, row.acknowledged_at) == (BlockerStatus.acknowledged, NOW)
    [told] = await sent(db, "blocker_acknowledged")
    assert (told.platform, told.address, told.context["action"]) == ("slack", "UBEN", "acknowledged")
    assert told.context["manager"] == {"name": "Maya"}
    assert told.context["blocker"]["key_result"] == "Checkout p95 latency"
    assert "already acknowledged" in await chat.click("maya@example.com", "blocker.ack", str(ben))
    assert len(await sent(db, "blocker_acknowledged")) == 1


async def test_skip_level_manager_resolves_from_the_button_and_the_author_hears_on_teams(db, team) -> None:
    chat = chat_at(db)
    eve = team.blockers["eve_legal"].id
    assert "Resolved blocker" in await chat.click("carla@example.com", "blocker.resolve", str(eve))
    row = await blocker(db, eve)
    assert (row.status, row.resolved_at) == (BlockerStatus.resolved, NOW)
    [told] = await sent(db, "blocker_acknowledged")
    assert (told.platform, told.address, told.context["action"]) == ("teams", "a:eve", "resolved")
    assert "already resolved" in await chat.say("maya@example.com", f"resolve {eve}")


async def test_asking_for_details_messages_the_author_and_leaves_the_blocker_open(db, team) -> None:
    chat = chat_at(db)
    chloe = team.blockers["chloe_access"].id
    assert await chat.say("maya@example.com", f"details {chloe}") == f"Asked Chloe for details about blocker {chloe}."
    assert (await blocker(db, chloe)).status == BlockerStatus.open
    [asked] = await sent(db, "blocker_details_requested")
    assert asked.address == "UCHLOE" and asked.context["blocker"]["text"] == "No access to the analytics warehouse"


@pytest.mark.parametrize("who", ["ben@example.com", "chloe@example.com", "omar@example.com", "pia@example.com"])
async def test_nobody_outside_the_authors_manager_chain_can_act_on_a_blocker(db, team, who) -> None:
    chat = chat_at(db)
    ben = team.blockers["ben_db_3"].id
    for command in ("ack", "resolve", "details"):
        reply = await chat.say(who, f"{command} {ben}")
        assert reply == f"There is no blocker {ben} that you can act on. Check the number in your latest message."
    assert (await blocker(db, ben)).status == BlockerStatus.open
    assert await sent(db, "blocker_acknowledged") == [] and await sent(db, "blocker_details_requested") == []


async def test_an_admin_can_resolve_any_blocker(db, team) -> None:
    pia = team.blockers["pia_tracking"].id
    assert "Resolved" in await chat_at(db).say("zoe@example.com", f"resolve {pia}")
    assert (await blocker(db, pia)).status == BlockerStatus.resolved


async def test_unknown_or_malformed_numbers_get_a_clear_answer(db, team) -> None:
    chat = chat_at(db)
    assert "no blocker 99999" in await chat.say("maya@example.com", "ack 99999")
    assert "no blocker abc" in await chat.say("maya@example.com", "resolve abc")
    assert "no nudge ?" in await chat.say("maya@example.com", "dismiss")


async def digest_nudges(db, manager_id: int, period: str) -> list[tuple[str, str]]:
    async with db.session() as session:
        row = (await session.exec(select(Delivery).where(Delivery.idempotency_key == f"digest:{manager_id}:{period}"))).one()
    return [(n["rule"], n["person"]) for n in row.context["nudges"]]


async def test_not_useful_is_recorded_and_backs_that_rule_off_for_that_report(db, team) -> None:
    async def digest(now):
        await queue_due_digests(db, schedule=DigestSchedule(), nudges=NudgePolicy(budget_per_week=5, cooldown_days=14), now=now)

    await digest(NOW)
    maya = team.id("Maya")
    assert ("lapsed", "Dev") in await digest_nudges(db, maya, "2026-W48")
    async with db.session() as session:
        lapsed = (await session.exec(select(Nudge).where(Nudge.rule == "lapsed", Nudge.report_id == team.id("Dev")))).one()

    assert "no nudge" in await chat_at(db).click("omar@example.com", "nudge.dismiss", str(lapsed.id))
    reply = await chat_at(db).click("maya@example.com", "nudge.dismiss", str(lapsed.id))
    assert reply.startswith(f"Noted: nudge {lapsed.id} about Dev was not useful")
    async with db.session() as session:
        assert (await session.get(Nudge, lapsed.id)).dismissed_at == NOW

    await digest(NOW + timedelta(days=14))  # the plain cooldown has passed, the doubled one has not
    assert ("lapsed", "Dev") not in await digest_nudges(db, maya, "2026-W50")
    await digest(NOW + timedelta(days=28))
    assert ("lapsed", "Dev") in await digest_nudges(db, maya, "2026-W52")
