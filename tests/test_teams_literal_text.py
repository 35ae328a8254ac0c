"""Text people wrote shows up in Teams exactly as written: a win like
"[Bonus](https://phish.example)" never becomes a live link, `**x**` never turns bold.

Teams renders TextBlock text and FactSet facts as Markdown, TextRuns literally. Every Teams
template is rendered with every string of its context replaced by a hostile sentinel; the
sentinel may then appear only in TextRun text, inputs or action data — never in a TextBlock,
a fact or the fallback text.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.checkin_form import CheckInForm, KRField, validate
from bot.teams.cards import COMPACT_LEVELS, TeamsCards, text_card
from messages.render import Renderer
from messages.samples import BLOCKERS, SAMPLES, sample_context
from tests.card_text import card_lines, literal_texts, markup_places
from tests.test_manager_templates import CONTEXTS as MANAGER_CONTEXTS
from tests.test_teams_cards import assert_valid_card

SENTINEL = "[Bonus](https://phish.example) **x** _y_"
MARKER = "phish.example"  # survives clipping; found anywhere the sentinel (or part of it) landed
# Values the bot itself chooses (enum-like switches, dates and period labels it computes, the
# static command list, the dashboard's sign-in link), left as they are so every template branch
# still renders.
OURS = {"status", "reason", "action", "kind", "rule", "direction", "platform", "period_label", "since",
        "commands", "slash", "url"}

TEAMS = set(Renderer("teams").template_names())
TEXT_ONLY = set(Renderer("text").template_names()) - TEAMS


def hostile(value: Any) -> Any:
    """The context with every string a person or an import could have written set to SENTINEL."""
    if isinstance(value, dict):
        return {k: v if k in OURS else hostile(v) for k, v in value.items()}
    if isinstance(value, list):
        return [hostile(item) for item in value]
    return SENTINEL if isinstance(value, str) else value


def variants() -> list[tuple[str, dict[str, Any]]]:
    """Every Teams card and text fallback, with contexts that reach each branch showing user text."""
    cases = [(name, sample_context(name)) for name in sorted(SAMPLES) if name in TEAMS | TEXT_ONLY]
    cases += [(name, copy.deepcopy(context)) for name, contexts in MANAGER_CONTEXTS.items() for context in contexts]
    cases += [
        ("help", {**sample_context("help"), "unknown": "what someone typed"}),
        ("okrs", {**sample_context("okrs"), "own": False}),
        ("okrs", {**sample_context("okrs"), "own": False, "objectives": []}),
        ("blockers", {**sample_context("blockers"), "own": copy.deepcopy(BLOCKERS)}),
        ("win_recorded", {**sample_context("win_recorded"),
                          "win": {**sample_context("win_recorded")["win"], "share": True}}),
        ("checkin_recorded", {**sample_context("checkin_recorded"), "updated": True, "reflections": 2}),
    ]
    return [(name, hostile(context)) for name, context in cases]


CASES = variants()


def assert_only_literal(card: dict, *, shows_user_text: bool = True) -> None:
    assert markup_places(card, MARKER) == []
    if shows_user_text:
        assert any(SENTINEL in text for text in literal_texts(card)), "the user text is shown, whole"


def test_every_teams_template_and_text_fallback_is_covered() -> None:
    assert {name for name, _ in CASES} >= TEAMS
    assert {name for name, _ in CASES} & TEXT_ONLY


@pytest.mark.parametrize(("name", "context"), CASES, ids=[f"{name}-{n}" for n, (name, _) in enumerate(CASES)])
def test_user_text_on_every_teams_card_is_shown_literally_never_as_markdown(name: str, context: dict) -> None:
    card = TeamsCards().render(name, context)
    assert_valid_card(card)
    assert_only_literal(card, shows_user_text=name in TEAMS or SENTINEL in Renderer("text").render(name, context))


@pytest.mark.parametrize("level", COMPACT_LEVELS)
def test_check_in_card_shows_titles_units_and_names_literally_at_every_compaction_level(level: int) -> None:
    context = {**hostile(sample_context("checkin_prompt")), "compact": level, "questions": [SENTINEL]}
    card = Renderer("teams").render("checkin_prompt", context)
    assert_valid_card(card)
    assert_only_literal(card)


def test_a_rejected_check_in_quotes_what_was_typed_literally_and_keeps_it_in_the_inputs() -> None:
    form = CheckInForm(
        checkin_id=1, person_name=SENTINEL, cadence="monthly", kind="month", period="2026-11",
        period_label="November 2026", questions=(SENTINEL,),
        key_results=(KRField(1, SENTINEL, SENTINEL, SENTINEL, 0.0, 10.0, 5.0, 6),),
    )
    values = {name: SENTINEL for name in form.field_names()}
    answers, errors = validate(form, values)
    assert answers is None and SENTINEL in " ".join(errors.values())  # the bot quotes back what was typed
    card = TeamsCards().checkin_form(form, values=values, errors=errors)
    assert_valid_card(card)
    assert_only_literal(card)
    assert all(message in literal_texts(card) for message in errors.values())
    inputs = {i["id"]: i for i in _walk_inputs(card)}
    assert inputs["win.1.text"]["value"] == SENTINEL and inputs["reflection.1"]["label"] == SENTINEL


def test_a_message_without_a_teams_card_shows_every_line_literally() -> None:
    card = text_card(f"Saved your win:\n\n{SENTINEL}\n- not a list item **not bold**")
    assert_valid_card(card)
    assert card_lines(card) == ["Saved your win:", SENTINEL, "- not a list item **not bold**"]
    assert {element["type"] for element in card["body"]} == {"RichTextBlock"}
    assert_only_literal(card)


def _walk_inputs(node: Any) -> list[dict]:
    if isinstance(node, dict):
        found = [node] if str(node.get("type", "")).startswith("Input.") else []
        return found + [i for value in node.values() for i in _walk_inputs(value)]
    if isinstance(node, list):
        return [i for item in node for i in _walk_inputs(item)]
    return []
