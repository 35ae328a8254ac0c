"""Every Teams card is a valid Adaptive Card 1.5 and fits in a Teams message, even at the limits."""

from __future__ import annotations

import json
from pathlib import Path

import adaptive_cards
import pytest
from jsonschema.validators import Draft6Validator

from bot.checkin_form import CheckInForm, KRField, validate
from bot.teams.cards import MAX_CARD_BYTES, TeamsCards, card_bytes, prefill_from, text_card
from messages.render import Renderer
from messages.samples import SAMPLES, sample_context
from tests.card_text import card_lines, literal_texts, markup_places
from tests.slack_samples import stretched
from storage.models import NAME_MAX, NOTE_MAX, TEXT_MAX, TITLE_MAX

SCHEMA = json.loads((Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json").read_text())
VALIDATOR = Draft6Validator(SCHEMA)
MONTHLY_QUESTIONS = (
    "Which outcome moved most this month, and what changed in how people behave?",
    "What would you stop doing to make more progress next month?",
)


def assert_valid_card(card: dict) -> None:
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in VALIDATOR.iter_errors(card)]
    assert not problems, problems
    assert card["version"] == "1.5"
    assert card_bytes(card) <= MAX_CARD_BYTES, card_bytes(card)


def longest_form(key_results: int, *, questions=MONTHLY_QUESTIONS) -> CheckInForm:
    krs = tuple(
        KRField(
            id=1_000_000 + n, key="k" * 64, title="W" * TITLE_MAX, unit="u" * 32,
            baseline=-1234567.25, target=9876543.75, current=1234567.5, confidence=10,
        )
        for n in range(key_results)
    )
    return CheckInForm(
        checkin_id=2_147_483_647, person_name="N" * NAME_MAX, cadence="c" * 64, kind="month",
        period="2026-11", period_label="November 2026", key_results=krs, questions=questions,
    )


def longest_answers(form: CheckInForm) -> dict[str, str]:
    values = {name: ("x" * NOTE_MAX if name.endswith(".note") else "y" * TEXT_MAX) for name in form.field_names()}
    for kr in form.key_results:
        values[f"kr.{kr.id}.value"] = ""  # missing: every key result gets an error message
        values[f"kr.{kr.id}.confidence"] = "7"
    for n in range(1, form.max_blockers + 1):
        values[f"blocker.{n}.kr"] = str(form.key_results[0].id)
    for n in range(1, form.max_wins + 1):
        values[f"win.{n}.share"] = "true"
        values[f"win.{n}.kr"] = str(form.key_results[0].id)
    return values


def prompt_context(form: CheckInForm, *, reminder: bool = False) -> dict:
    from bot.checkin_form import prompt_context as form_context

    context = form_context(form)
    context.update(reminder=reminder, person={"name": form.person_name, "email": "e" * 200 + "@example.com"})
    del context["questions"], context["max_blockers"], context["max_wins"]  # the outbox context has none
    return context


@pytest.mark.parametrize("template", ["checkin_prompt", "checkin_reminder"])
def test_prompt_card_with_fifteen_longest_key_results_fits_in_one_teams_message(template: str) -> None:
    card = TeamsCards().render(template, prompt_context(longest_form(15), reminder=template == "checkin_reminder"))
    assert_valid_card(card)
    ids = {i["id"] for i in _inputs(card)}
    assert {f"kr.{1_000_000 + n}.value" for n in range(15)} <= ids


def test_rejected_check_in_with_every_text_at_its_storage_limit_keeps_all_of_it_on_a_valid_card() -> None:
    form = longest_form(8)
    values = longest_answers(form)
    answers, errors = validate(form, values)
    assert answers is None and len(errors) == 8
    card = TeamsCards().checkin_form(form, values=values, errors=errors)
    assert_valid_card(card)
    inputs = {i["id"]: i for i in _inputs(card)}
    for name, typed in values.items():
        if typed and not name.endswith((".value", ".share", ".kr")):
            assert inputs[name]["value"] == typed, name
    texts = _texts(card)
    assert all(message in texts for message in errors.values())


def test_text_inputs_stop_people_typing_more_than_storage_keeps() -> None:
    form = longest_form(2)
    inputs = {i["id"]: i for i in _inputs(TeamsCards().checkin_form(form))}
    assert inputs[f"kr.{form.key_results[0].id}.note"]["maxLength"] == NOTE_MAX
    assert inputs["blocker.1.text"]["maxLength"] == TEXT_MAX
    assert inputs["win.1.text"]["maxLength"] == TEXT_MAX
    assert inputs["reflection.1"]["maxLength"] == TEXT_MAX


def test_check_in_card_field_names_are_the_forms_own() -> None:
    form = longest_form(3)
    card = TeamsCards().checkin_form(form)
    assert {i["id"] for i in _inputs(card)} == set(form.field_names())
    submit = card["actions"][0]
    assert submit["type"] == "Action.Submit" and submit["data"]["form"] == "checkin"
    assert submit["data"]["checkin_id"] == str(form.checkin_id)


def test_a_typed_value_that_is_not_a_number_is_not_put_back_into_the_number_box() -> None:
    prefill = prefill_from({"kr.1.value": "about ten", "kr.2.value": "12,5", "win.1.share": "on"})
    assert prefill == {"kr.1.value": None, "kr.2.value": 12.5, "win.1.share": "true"}


def test_checkin_done_card_is_valid_with_the_longest_name() -> None:
    card = TeamsCards().render("checkin_done", {"checkin_id": 1, "person": {"name": "N" * NAME_MAX, "email": ""}, "period_label": "week 48 of 2026"})
    assert_valid_card(card)
    assert "Checked in for week 48 of 2026" in " ".join(_texts(card))


def test_user_text_with_json_and_markup_stays_plain_text_in_the_card() -> None:
    nasty = '"}], "actions": [{"type": "Action.OpenUrl", "url": "https://evil"}] <at>boss</at> {{ x }} [a](https://evil) **b**'
    form = CheckInForm(checkin_id=1, person_name=nasty, cadence="weekly", kind="week", period="2026-W48",
                       period_label="week 48", key_results=(KRField(1, "k", nasty, "", 0, 1, None, None),))
    card = TeamsCards().checkin_form(form, values={"blocker.1.text": nasty}, errors={})
    assert_valid_card(card)
    assert [a["type"] for a in card["actions"]] == ["Action.Submit"] * 4  # submit, snooze twice, skip
    assert [a["data"].get("action") for a in card["actions"][1:]] == ["checkin.snooze", "checkin.snooze", "checkin.skip"]
    assert nasty in literal_texts(card) and markup_places(card, nasty) == []  # TextRuns: never Markdown
    assert {i["id"]: i for i in _inputs(card)}["blocker.1.text"]["value"] == nasty


def test_templates_without_a_teams_card_fall_back_to_literal_text_runs() -> None:
    card = text_card("Line one\n\n<b>not bold</b> **not markup either** [link](https://evil)")
    assert_valid_card(card)
    assert _texts(card) == ["Line one", "<b>not bold</b> **not markup either** [link](https://evil)"]
    assert markup_places(card, "https://evil") == [] and markup_places(card, "**") == []


TEAMS_TEMPLATES = sorted(set(Renderer("teams").template_names()) & set(SAMPLES))
TEXT_ONLY = sorted(set(Renderer("text").template_names()) & set(SAMPLES) - set(Renderer("teams").template_names()))


def test_core_messages_have_rich_teams_cards() -> None:
    assert {"okrs", "help", "blockers", "outcomes", "checkin_recorded", "win_recorded", "checkin_prompt",
            "checkin_reminder", "checkin_done"} <= set(TEAMS_TEMPLATES)


@pytest.mark.parametrize("name", TEAMS_TEMPLATES)
def test_teams_template_renders_its_sample_as_a_valid_card(name: str) -> None:
    assert_valid_card(TeamsCards().render(name, sample_context(name)))


@pytest.mark.parametrize("name", sorted(set(TEAMS_TEMPLATES + TEXT_ONLY) - {"checkin_prompt", "checkin_reminder"}))
def test_teams_card_at_storage_limits_stays_valid_and_under_28_kb(name: str) -> None:
    context = stretched(sample_context(name))
    card = TeamsCards().render(name, context)
    assert_valid_card(card)


def test_a_long_listing_is_cut_with_a_note_not_dropped() -> None:
    context = stretched(sample_context("blockers"), copies=200)
    card = TeamsCards().render("blockers", context)
    assert_valid_card(card)
    assert "more lines are not shown" in _texts(card)[-1]


def _walk(node, kind_prefix: str):
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith(kind_prefix):
            yield node
        for value in node.values():
            yield from _walk(value, kind_prefix)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, kind_prefix)


def _inputs(card: dict) -> list[dict]:
    return list(_walk(card, "Input."))


def _texts(card: dict) -> list[str]:
    return card_lines(card)
