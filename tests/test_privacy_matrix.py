"""Who sees what about Ben, on every surface and for every command (docs/architecture.md, "Invariants": privacy).

Ben reports to Maya, who reports to Carla. Chloe is Ben's peer, Omar a manager in another
branch, Zoe an admin. A person's answers, blockers and the nudges about them are visible to
them, their manager chain and admins only; acting on a blocker is for the chain and admins.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.config import AppConfig, Organisation
from bot.platform import ButtonClicked, MessageReceived, Reply, Sender
from bot.router import Router
from bot.slack.blocks import SlackMessages
from bot.teams.cards import TeamsCards
from cadences.digest_planner import queue_due_digests
from cadences.settings import DigestSchedule, NudgePolicy
from messages.render import Renderer
from storage.models import Delivery, Nudge, Person
from tests.manager_team import NOW, seed_team

VIEWERS = ["Ben", "Chloe", "Omar", "Maya", "Carla", "Zoe"]
SURFACES = ["console", "slack", "teams"]
SECRET = "Database upgrade slipped again"  # Ben's open blocker
SEES_BEN = {"Ben", "Maya", "Carla", "Zoe"}  # himself, his chain, the admin
ACTS_ON_BEN = {"Maya", "Carla", "Zoe"}  # his chain and the admin; blockers go up, not away
LISTS_BEN_IN_BLOCKERS = {"Ben", "Maya", "Carla"}  # `blockers` lists mine and my organisation's


@pytest.fixture
async def world(db):
    async with db.transaction() as session:
        team = await seed_team(session)
        for name in VIEWERS:
            person = await session.get(Person, team.id(name))
            person.slack_user_id, person.teams_user_id = f"U{name.upper()}", f"aad-{name.lower()}"
            session.add(person)
    await queue_due_digests(db, schedule=DigestSchedule(), nudges=NudgePolicy(budget_per_week=5), now=NOW)
    config = AppConfig(organisation=Organisation(name="X", timezone="Europe/Berlin", country="DE"))
    return team, Router(config, db, now=NOW)


def sender(name: str, surface: str) -> Sender:
    ref = {"console": f"{name.lower()}@example.com", "slack": f"U{name.upper()}", "teams": f"aad-{name.lower()}"}[surface]
    return Sender(platform=surface, user_ref=ref)


def mention_ben(surface: str) -> str:
    return "<@UBEN>" if surface == "slack" else "@ben@example.com"


def shown(intents, surface: str) -> str:
    """What the person sees: each reply rendered for their surface."""
    out = []
    for intent in intents:
        assert isinstance(intent, Reply)
        if surface == "slack":
            out.append(json.dumps(SlackMessages().message(intent.template, intent.context)))
        elif surface == "teams":
            out.append(json.dumps(TeamsCards().render(intent.template, intent.context), ensure_ascii=False))
        else:
            out.append(Renderer("text").render(intent.template, intent.context))
    return "\n".join(out)


async def ask(router: Router, who: str, surface: str, text: str) -> str:
    return shown(await router.dispatch(MessageReceived(sender(who, surface), text)), surface)


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("who", VIEWERS)
async def test_each_viewer_sees_bens_okrs_blockers_and_nudges_exactly_as_allowed(world, who, surface) -> None:
    team, router = world
    okrs = await ask(router, who, surface, f"okrs {mention_ben(surface)}")
    nudges = await ask(router, who, surface, f"nudges {mention_ben(surface)}")
    blockers = await ask(router, who, surface, "blockers")
    allowed = who in SEES_BEN
    assert (SECRET in okrs) is allowed
    assert ("Checkout p95 latency" in nudges) is allowed  # the recurring-blocker nudge about Ben
    assert (SECRET in blockers) is (who in LISTS_BEN_IN_BLOCKERS)
    if not allowed:
        assert "manager chain and admins only" in okrs and "manager chain and admins only" in nudges


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("who", VIEWERS)
async def test_only_the_chain_and_admins_can_act_on_bens_blocker_and_only_maya_on_her_nudge(world, db, who, surface) -> None:
    team, router = world
    blocker_id = str(team.blockers["ben_db_3"].id)
    asked = shown(await router.dispatch(ButtonClicked(sender(who, surface), "blocker.details", blocker_id)), surface)
    typed = await ask(router, who, surface, f"details {blocker_id}")
    for reply in (asked, typed):
        assert ("Asked Ben for details" in reply) is (who in ACTS_ON_BEN)
        assert SECRET not in reply  # the answer never repeats the blocker to anyone
    async with db.session() as session:
        nudge = (await session.exec(select(Nudge).where(Nudge.report_id == team.id("Ben")))).first()
    dismissed = shown(await router.dispatch(ButtonClicked(sender(who, surface), "nudge.dismiss", str(nudge.id))), surface)
    assert ("Noted" in dismissed) is (who == "Maya")


async def test_bens_blocker_reaches_only_his_managers_digest(world, db) -> None:
    team, _ = world
    async with db.session() as session:
        rows = (await session.exec(select(Delivery, Person).join(Person, Person.id == Delivery.person_id))).all()
    carrying = {person.name for delivery, person in rows if SECRET in json.dumps(delivery.context)}
    assert carrying == {"Maya"}  # six days old: not in Carla's over-two-weeks roll-up
    assert not any(SECRET in json.dumps(d.context) for d, _ in rows if d.team_id is not None)


async def test_ben_sees_the_same_facts_about_himself_that_his_manager_sees(world, db) -> None:
    team, router = world
    async with db.session() as session:
        digest = (await session.exec(select(Delivery).where(Delivery.idempotency_key == f"digest:{team.id('Maya')}:2026-W48"))).one()
    own = "\n".join([await ask(router, "Ben", "console", "okrs"), await ask(router, "Ben", "console", "blockers"),
                     await ask(router, "Ben", "console", "nudges")])
    context = digest.context
    about_ben = [b for b in context["blockers"] if b["person"] == "Ben"]
    assert about_ben and all(b["text"] in own and f"{b['age_days']} days" in own for b in about_ben)
    for risk in (r for r in context["at_risk"] if r["person"] == "Ben"):
        assert risk["key_result"] in own and f"confidence {risk['confidence']}/10" in own
    for nudge in (n for n in context["nudges"] if n["person"] == "Ben"):
        assert nudge["summary"] in own and nudge["question"] in own
