"""`dashboard` in chat: a private one-time sign-in link on every surface, and from App Home."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.platform import ButtonClicked, MessageReceived, Reply, Sender
from bot.router import Router
from bot.slack.blocks import SlackMessages
from bot.teams.cards import TeamsCards
from messages.render import Renderer
from storage.dashboard_tables import DashboardLink
from tests.orgchart import ALICE, NOW, make_org, org_config

LINK = re.compile(r"https://okrs\.example\.com/dash/login\?token=[A-Za-z0-9_-]{40,}")


def shown(reply: Reply, surface: str) -> str:
    if surface == "slack":
        return json.dumps(SlackMessages().message(reply.template, reply.context))
    if surface == "teams":
        return json.dumps(TeamsCards().render(reply.template, reply.context))
    return Renderer("text").render(reply.template, reply.context)


@pytest.mark.parametrize("surface, user_ref", [("console", ALICE), ("slack", "UALICE"), ("teams", "aad-alice")])
async def test_dashboard_answers_privately_with_a_fresh_link_stored_only_as_a_hash(db, surface, user_ref) -> None:
    await make_org(db)
    router = Router(org_config(web={"public_url": "https://okrs.example.com"}), db, now=NOW)
    [reply] = await router.dispatch(MessageReceived(Sender(platform=surface, user_ref=user_ref), "dashboard"))
    [again] = await router.dispatch(MessageReceived(Sender(platform=surface, user_ref=user_ref), "/dashboard"))
    assert isinstance(reply, Reply) and not reply.public
    first, second = LINK.findall(shown(reply, surface)), LINK.findall(shown(again, surface))
    assert first and second and first != second  # a new link each time
    async with db.session() as session:
        stored = (await session.exec(select(DashboardLink))).all()
    assert len(stored) == 2 and all(row.token_hash not in first[0] for row in stored)
    assert {row.expires_at - row.created_at for row in stored} == {timedelta(minutes=15)}


async def test_the_open_dashboard_button_on_app_home_sends_a_link(db) -> None:
    await make_org(db)
    router = Router(org_config(web={"public_url": "https://okrs.example.com"}), db, now=NOW)
    [reply] = await router.dispatch(ButtonClicked(Sender(platform="slack", user_ref="UALICE"), "dashboard.open", "home"))
    assert LINK.search(shown(reply, "slack"))
    assert await router.dispatch(ButtonClicked(Sender(platform="slack", user_ref="UALICE"), "dashboard.link", "")) == []


async def test_without_a_public_url_links_point_at_the_local_server(db) -> None:
    await make_org(db)
    router = Router(org_config(), db, now=NOW)
    [reply] = await router.dispatch(MessageReceived(Sender(platform="console", user_ref=ALICE), "dashboard"))
    assert "http://127.0.0.1:3000/dash/login?token=" in shown(reply, "console")
