"""The manager-loop templates render on every surface, pass Block Kit and Adaptive Card 1.5
validation, and stay inside platform limits with the longest texts storage allows."""

from __future__ import annotations

import json
from pathlib import Path

import adaptive_cards
import pytest
from jsonschema.validators import Draft6Validator
from slack_sdk.models.blocks import Block

from cadences.digests import SHOWN
from messages.render import Renderer
from storage.models import NAME_MAX, TEXT_MAX, TITLE_MAX
from tests.card_text import literal_texts, markup_places

SCHEMA = json.loads((Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json").read_text())
VALIDATOR = Draft6Validator(SCHEMA)
TEAMS_CARD_LIMIT = 28 * 1024
HOSTILE = "<!channel> <https://evil.example|click> & *bold* "


def long_text(limit: int) -> str:
    return (HOSTILE + "x" * limit)[:limit]


NAME, TITLE, TEXT = long_text(NAME_MAX), long_text(TITLE_MAX), long_text(TEXT_MAX)


def blocker(n: int, status: str = "open") -> dict:
    return {"id": 2_000_000_000 + n, "person": NAME, "manager": NAME, "text": TEXT, "status": status,
            "opened": "2026-10-01", "age_days": 365, "key_result": TITLE, "outcome": TITLE}


def longest_digest() -> dict:
    nudge = {"id": 2_000_000_001, "rule": "stuck", "title": "Stuck", "person": NAME, "key_result": TITLE,
             "summary": f"“{TITLE}” did not move toward its target of 1234567.5 over two check-ins: "
                        "1234567.25 on 2 Nov 2026, 1234567.25 on 9 Nov 2026, 1234567.25 on 16 Nov 2026.",
             "question": "What is getting in the way of this key result, and what would you try differently this week?"}
    risk = {"person": NAME, "key_result": TITLE, "outcome": TITLE, "confidence": 1, "previous_confidence": 10,
            "value": -1234567.25, "target": 9876543.75, "unit": "u" * 32, "progress": 0.0}
    win = {"id": 9, "person": NAME, "text": TEXT, "key_result": TITLE, "outcome": TITLE}
    return {
        "manager": {"name": NAME, "email": "m" * 240 + "@example.com"},
        "period": "2026-W48", "period_label": "week 48 of 2026", "since": "2026-11-16",
        "checked_in": [NAME] * SHOWN["names"], "checked_in_more": 9999,
        "not_checked_in": [NAME] * SHOWN["names"], "not_checked_in_more": 9999,
        "blockers": [blocker(n, "acknowledged" if n % 2 else "open") for n in range(SHOWN["blockers"])],
        "blockers_more": 9999,
        "at_risk": [risk] * SHOWN["at_risk"], "at_risk_more": 9999,
        "wins": [win] * SHOWN["wins"], "wins_more": 9999,
        "nudges": [nudge] * SHOWN["nudges"], "nudges_more": 0,
        "rollup": [blocker(n) for n in range(SHOWN["rollup"])], "rollup_more": 9999,
    }


def empty_sections(context: dict) -> dict:
    return {**context, **{k: [] for k in ("checked_in", "not_checked_in", "blockers", "at_risk", "wins", "nudges", "rollup")},
            "nudges": context["nudges"][:1]}


WIN = {"id": 2_000_000_000, "text": TEXT, "key_result": TITLE, "outcome": TITLE}
CONTEXTS = {
    "digest": [longest_digest(), empty_sections(longest_digest())],
    "win_draft": [{"win": WIN, "person": {"name": NAME}, "reason": "command"},
                  {"win": WIN, "person": {"name": NAME}, "reason": "target_met"},
                  {"win": {**WIN, "key_result": None, "outcome": None}, "person": {"name": NAME}, "reason": "command"}],
    "win_announcement": [{"win": WIN, "person": {"name": NAME}, "team": NAME},
                         {"win": {**WIN, "outcome": None}, "person": {"name": NAME}, "team": NAME},
                         {"win": {**WIN, "outcome": None, "key_result": None}, "person": {"name": NAME}, "team": NAME}],
    "blocker_acknowledged": [{"blocker": blocker(1), "manager": {"name": NAME}, "action": action}
                             for action in ("acknowledged", "resolved")],
    "blocker_details_requested": [{"blocker": blocker(1), "manager": {"name": NAME}},
                                  {"blocker": {**blocker(1), "key_result": None}, "manager": {"name": NAME}}],
}
CASES = [(name, n) for name, contexts in CONTEXTS.items() for n in range(len(contexts))]


def slack_blocks(name: str, context: dict) -> list[dict]:
    message = Renderer("slack").render(name, context)
    assert message["text"].strip()
    blocks = message["blocks"]
    assert len(blocks) <= 50
    checked = []
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        checked.append(block.to_dict())  # to_dict validates lengths and nested limits
        for field in raw.get("fields", ()):
            assert len(field["text"]) <= 2000
        assert len(raw.get("text", {}).get("text", "")) <= 3000
    return checked


def assert_no_live_mrkdwn(value) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert "<!channel>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text


@pytest.mark.parametrize(("name", "n"), CASES)
def test_slack_message_is_valid_block_kit_with_user_text_escaped(name: str, n: int) -> None:
    blocks = slack_blocks(name, CONTEXTS[name][n])
    assert_no_live_mrkdwn(blocks)


@pytest.mark.parametrize(("name", "n"), CASES)
def test_teams_card_is_a_valid_adaptive_card_under_28_kb(name: str, n: int) -> None:
    card = Renderer("teams").render(name, CONTEXTS[name][n])
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in VALIDATOR.iter_errors(card)]
    assert not problems, problems
    assert card["version"] == "1.5"
    assert len(json.dumps(card, ensure_ascii=False).encode()) < TEAMS_CARD_LIMIT
    assert any(HOSTILE.strip() in text for text in literal_texts(card))  # shown intact, in TextRuns
    assert markup_places(card, "*bold*") == []  # never where Teams reads Markdown


@pytest.mark.parametrize(("name", "n"), CASES)
def test_text_version_names_the_people_and_texts(name: str, n: int) -> None:
    text = Renderer("text").render(name, CONTEXTS[name][n])
    assert NAME in text or name == "digest" and n == 1
    assert "None" not in text and "{{" not in text


def test_digest_buttons_carry_the_blocker_and_nudge_ids_on_slack_and_teams() -> None:
    context = longest_digest()
    blocks = slack_blocks("digest", context)
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    buttons += [b["accessory"] for b in blocks if b.get("accessory", {}).get("type") == "button"]
    first = str(context["blockers"][0]["id"])
    acknowledged = str(context["blockers"][1]["id"])
    assert {(b["action_id"], b["value"]) for b in buttons} >= {
        ("blocker.ack", first), ("blocker.resolve", first), ("blocker.details", first),
        ("blocker.resolve", acknowledged), ("nudge.dismiss", "2000000001"),
    }
    assert ("blocker.ack", acknowledged) not in {(b["action_id"], b["value"]) for b in buttons}

    card = json.dumps(Renderer("teams").render("digest", context))
    assert '"data": {"action": "blocker.ack", "value": "%s"}' % first in card
    assert '"data": {"action": "nudge.dismiss", "value": "2000000001"}' in card


def test_a_digest_beyond_its_caps_says_how_many_more_on_every_surface() -> None:
    context = longest_digest()
    assert "9999 more open blockers" in json.dumps(slack_blocks("digest", context))
    assert "9999 more open blockers" in json.dumps(Renderer("teams").render("digest", context))
    assert "9999 more open blockers" in Renderer("text").render("digest", context)


def test_win_draft_offers_an_approve_button_and_console_command() -> None:
    context = CONTEXTS["win_draft"][0]
    blocks = slack_blocks("win_draft", context)
    assert [(e["action_id"], e["value"]) for b in blocks if b["type"] == "actions" for e in b["elements"]] == [
        ("win.approve", "2000000000")]
    card = Renderer("teams").render("win_draft", context)
    assert card["actions"][0]["data"] == {"action": "win.approve", "value": "2000000000"}
    assert "approve 2000000000" in Renderer("text").render("win_draft", context)


MANAGER_TEMPLATES = ("digest", "win_draft", "win_announcement", "blocker_acknowledged", "blocker_details_requested")


@pytest.mark.parametrize("name", MANAGER_TEMPLATES)
def test_the_preview_samples_are_valid_on_slack_and_teams_too(name: str) -> None:
    from messages.samples import sample_context

    context = sample_context(name)
    slack_blocks(name, context)
    card = Renderer("teams").render(name, context)
    assert not list(VALIDATOR.iter_errors(card))
    expected = {"digest": "Alice Ortega", "win_draft": "Acme went live", "win_announcement": "Acme went live"}
    assert expected.get(name, "SSO access") in Renderer("text").render(name, context)
