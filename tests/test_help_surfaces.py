"""Help tells Slack users which words are slash commands and which they type in a DM."""

from __future__ import annotations

from bot.platform import MessageReceived, Sender
from bot.router import Router
from messages.render import Renderer
from storage.db import Database
from tests.orgchart import ALICE, NOW, make_org, org_config


async def test_slack_help_marks_only_registered_slash_commands_with_a_slash(db: Database) -> None:
    await make_org(db)
    [reply] = await Router(org_config(), db, clock=lambda: NOW).dispatch(
        MessageReceived(Sender("console", ALICE), "help")
    )
    text = Renderer("slack").render(reply.template, reply.context)["blocks"][0]["text"]["text"]
    assert "`/okrs`" in text and "`/win TEXT`" in text
    assert "`ack N`" in text and "`/ack" not in text
    assert "`approve N`" in text and "`nudges`" in text
