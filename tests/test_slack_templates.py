"""Every Slack template renders, passes slack_sdk's Block Kit models (nested limits included)
and keeps user text inert, at the longest lengths storage allows."""

from __future__ import annotations

import re

import pytest

from bot.slack.blocks import MESSAGE_BLOCK_LIMIT, SlackMessages, text_blocks, validate_blocks, validate_view
from bot.slack.modal import FormTooLarge, checkin_view
from tests.slack_samples import HOSTILE, LONG_NAME, assert_no_live_markup, mrkdwn_texts, checkin_form, home_context, prompt_context

messages = SlackMessages()


@pytest.mark.parametrize("reminder", [False, True])
def test_prompt_shows_each_key_result_and_a_start_button(reminder: bool) -> None:
    message = messages.message("checkin_reminder" if reminder else "checkin_prompt", prompt_context(5, reminder=reminder))
    blocks = validate_blocks(message["blocks"])
    assert message["text"].lower().startswith("reminder" if reminder else "time for")
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"], b["text"]["text"]) for b in buttons] == [
        ("checkin.start", "7", "Start check-in"), ("checkin.snooze", "7 2h", "Remind me in 2 hours"),
        ("checkin.snooze.tomorrow", "7 tomorrow", "Tomorrow morning"), ("checkin.skip", "7", "Skip this week")]
    assert sum(1 for b in blocks if b.get("block_id", "").startswith("kr.")) == 5
    assert_no_live_markup(blocks)
    assert "&lt;!channel&gt;" in str(blocks)


def test_prompt_with_more_key_results_than_a_message_holds_stays_within_fifty_blocks() -> None:
    message = messages.message("checkin_prompt", prompt_context(60))
    blocks = validate_blocks(message["blocks"], limit=MESSAGE_BLOCK_LIMIT)
    assert "20 more key results" in str(blocks)


def test_prompt_for_a_person_without_key_results_still_offers_the_check_in() -> None:
    blocks = validate_blocks(messages.message("checkin_prompt", prompt_context(0))["blocks"])
    assert "no key results yet" in str(blocks)


def test_done_message_replaces_the_prompt_without_a_button() -> None:
    context = {"checkin_id": 7, "person": {"name": LONG_NAME, "email": "x@example.com"}, "period_label": "week 48 of 2026"}
    blocks = validate_blocks(messages.message("checkin_done", context)["blocks"])
    assert not [b for b in blocks if b["type"] == "actions"]
    assert "recorded" in str(blocks)
    assert_no_live_markup(blocks)


@pytest.mark.parametrize("krs", [0, 1, 5, 27])
def test_checkin_modal_has_an_input_per_form_field(krs: int) -> None:
    form = checkin_form(krs)
    view = validate_view(checkin_view(form, messages))
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    win_picker = re.compile(r"win\.\d+\.kr")
    # 27 key results: the wins' key result pickers make way so every note still fits.
    assert inputs == [n for n in form.field_names() if krs < 27 or not win_picker.fullmatch(n)]
    assert len(view["blocks"]) <= 100
    assert_no_live_markup(view)


def test_modal_for_many_key_results_drops_notes_to_fit_and_refuses_beyond() -> None:
    view = validate_view(checkin_view(checkin_form(40), messages))
    inputs = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
    assert "kr.40.value" in inputs and "kr.40.note" not in inputs
    with pytest.raises(FormTooLarge, match="41 key results"):
        checkin_view(checkin_form(41), messages)


def test_app_home_for_a_manager_with_long_lists_validates() -> None:
    view = validate_view(messages.view("app_home", home_context(reports=30)))
    assert len(view["blocks"]) <= 100
    assert "…and 10 more" in str(view)
    assert_no_live_markup(view)


def test_app_home_for_someone_not_yet_imported_explains_what_to_do() -> None:
    context = {"known": False, "person": None, "key_results": [], "blockers": [], "team": None,
               "next_checkin": None, "open_checkin": None}
    view = validate_view(messages.view("app_home", context))
    assert "slack sync" in str(view)


def test_text_fallback_is_escaped_and_split_to_section_size() -> None:
    blocks = validate_blocks(text_blocks(HOSTILE * 200))
    assert len(blocks) == 6
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    assert "".join(b["text"]["text"] for b in blocks).count("&lt;!channel&gt;") == 200
    assert_no_live_markup(blocks)


def test_every_slack_template_is_covered_by_these_tests() -> None:
    mine = {"checkin_prompt", "checkin_reminder", "checkin_done", "checkin_modal", "app_home", "slack_form_too_large"}
    assert mine <= set(messages.slack.template_names())


from messages.samples import SAMPLES, sample_context  # noqa: E402
from tests.slack_samples import stretched  # noqa: E402

WITH_SAMPLES = sorted(set(messages.slack.template_names()) & set(SAMPLES))
# Their lists are capped before rendering (the digest's SHOWN, App Home's limits, FormTooLarge)
# and tested at those caps (test_manager_templates.py, the modal and home tests above), so
# `stretched`'s sixty copies of every row do not apply to them.
STRETCHABLE = sorted(set(WITH_SAMPLES) - {"digest", "app_home", "checkin_modal"})


@pytest.mark.parametrize("name", WITH_SAMPLES)
def test_slack_template_renders_its_sample_as_valid_block_kit(name: str) -> None:
    message = messages.message(name, sample_context(name))
    assert message["text"] and validate_blocks(message["blocks"])


@pytest.mark.parametrize("name", STRETCHABLE)
def test_slack_template_at_storage_limits_with_hostile_text_stays_valid_and_inert(name: str) -> None:
    message = messages.message(name, stretched(sample_context(name)))
    blocks = validate_blocks(message["blocks"])
    assert_no_live_markup(blocks)


@pytest.mark.parametrize("fill", ["&", "<"])
@pytest.mark.parametrize("name", STRETCHABLE)
def test_slack_template_stays_valid_when_escaping_makes_user_text_longer(name: str, fill: str) -> None:
    message = messages.message(name, stretched(sample_context(name), fill=fill))
    blocks = validate_blocks(message["blocks"])
    for text in mrkdwn_texts(blocks):
        unescaped = re.sub(r"&(amp|lt|gt);", "", text)
        assert "&" not in unescaped, text  # every `&` is part of a whole entity: none cut in half
        assert "<<" not in unescaped, text  # user `<` never reaches Slack raw


@pytest.mark.parametrize("name", sorted(set(messages.text.template_names()) & set(SAMPLES) - set(messages.slack.template_names())))
def test_messages_without_a_slack_version_fall_back_to_escaped_text(name: str) -> None:
    message = messages.message(name, stretched(sample_context(name)))
    assert_no_live_markup(validate_blocks(message["blocks"]))


def test_core_messages_have_rich_slack_versions() -> None:
    assert {"okrs", "help", "blockers", "outcomes", "checkin_recorded", "win_recorded", "checkin_prompt",
            "checkin_reminder", "checkin_done"} <= set(WITH_SAMPLES)
