"""No user text can ping a channel, mention someone or hide a link in anything the bot sends to
Slack: every Slack template, rendered the way the bot sends it, with hostile text in every field
a person (or an import file) can fill — the notification `text` included."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlmodel import select

from bot.slack.blocks import SlackMessages
from messages.render import Renderer
from messages.samples import sample_context
from storage.models import Win
from tests.slack_harness import SlackRig, rig  # noqa: F401  (fixture)

HOSTILE = " <!channel> <!subteam^S123|@eng> <@U0BOSS> <#C0SECRET> <http://evil.example|click here> <!here>"
LIVE_MARKUP = re.compile(r"<[!@#]|<https?:|<mailto:")
# Strings Slack shows or parses. Input values are what a person typed, shown back in an input
# box and never parsed; ids and values are not shown at all.
NOT_SHOWN = {"action_id", "block_id", "value", "initial_value", "private_metadata", "callback_id", "type",
             "style", "url", "initial_date", "initial_time"}
# Words templates compare against (an enum, a kind): left as they are so every branch renders.
KEYWORDS = {"status", "kind", "cadence", "action", "rule", "reason", "platform", "period", "direction", "unit",
            "timezone", "key", "email", "usage", "opened", "sent", "since", "metadata", "next_checkin"}

messages = SlackMessages()
SLACK_TEMPLATES = sorted(Renderer("slack").template_names())
TEXT_ONLY = sorted(set(Renderer("text").template_names()) - set(SLACK_TEMPLATES))


def hostile(node: Any, key: str = "") -> Any:
    if isinstance(node, dict):
        return {k: hostile(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [hostile(item, key) for item in node]
    if isinstance(node, str) and key not in KEYWORDS:
        return node + HOSTILE
    return node


def shown_strings(node: Any, key: str = "") -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() if k not in NOT_SHOWN for s in shown_strings(v, k)]
    if isinstance(node, list):
        return [s for item in node for s in shown_strings(item, key)]
    return [node] if isinstance(node, str) else []


# Samples whose user text is None or a keyword: given some, so it is rendered too.
FILLED = {"win_rejected": {"problem": "the text is too long"}}
HOSTILE_KEYWORDS = {"slack_form_too_large": {"reason": "120 key results do not fit" + HOSTILE}}
# Shows nothing from its context (the refusal names nobody: see test_router_okrs_access.py).
SHOWS_NO_CONTEXT = {"not_allowed"}


def rendered(name: str) -> dict[str, Any]:
    context = hostile({**sample_context(name), **FILLED.get(name, {})}) | HOSTILE_KEYWORDS.get(name, {})
    if name in ("checkin_modal", "app_home"):
        return messages.view(name, context)
    return messages.message(name, context)


@pytest.mark.parametrize("name", SLACK_TEMPLATES + TEXT_ONLY)
def test_hostile_text_is_inert_everywhere_slack_shows_it(name: str) -> None:
    payload = rendered(name)
    shown = shown_strings(payload)
    if name not in SHOWS_NO_CONTEXT:
        assert any("&lt;!channel&gt;" in text for text in shown), "the hostile text was not rendered at all"
    live = [text for text in shown if LIVE_MARKUP.search(text)]
    assert live == []


async def test_a_shared_win_announced_in_the_channel_pings_nobody(rig: SlackRig) -> None:
    await rig.command("UALICE", "/win", "<!channel> <!subteam^S123|@eng> shipped <http://evil.example|the fix>")
    await rig.bot.settle()
    async with rig.db.session() as session:
        win = (await session.exec(select(Win))).one()
    await rig.click("UALICE", "win.approve", str(win.id))
    await rig.bot.settle()
    for _ in range(3):
        await rig.tick(rig.bot.clock())
    posts = rig.fake.calls_to("chat.postMessage")
    assert any(call.args.get("channel") == "CPLAT" for call in posts), "the win was not announced"
    for call in posts + rig.fake.calls_to("chat.update"):
        for text in shown_strings(call.args):
            assert not LIVE_MARKUP.search(text), text
    assert rig.fake.responses, "the author was not answered"
    for _url, response in rig.fake.responses:
        for text in shown_strings(response):
            assert not LIVE_MARKUP.search(text), text
