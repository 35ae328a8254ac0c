"""Every text template renders its sample context (the same one `outcomebot preview` shows)."""

from __future__ import annotations

import pytest

from messages.render import Renderer
from messages.samples import SAMPLES, sample_context

TEXT = Renderer("text")
CORE_TEMPLATES = {
    "help", "okrs", "not_allowed", "unknown_person", "checkin_prompt", "checkin_reminder",
    "checkin_done", "checkin_recorded", "blockers", "outcomes", "win_recorded", "win_rejected",
}


def test_every_core_message_has_a_text_template_and_a_sample() -> None:
    assert CORE_TEMPLATES <= set(TEXT.template_names())
    assert CORE_TEMPLATES <= set(SAMPLES)


@pytest.mark.parametrize("name", sorted(set(TEXT.template_names()) & set(SAMPLES)))
def test_text_template_renders_its_sample_without_blank_runs(name: str) -> None:
    text = TEXT.render(name, sample_context(name))
    assert text.strip() and "\n\n\n" not in text, text


def test_progress_bars_in_the_okrs_text() -> None:
    text = TEXT.render("okrs", sample_context("okrs"))
    assert "██████░░░░ 56%  Median days to first value [onboarding-days]" in text
    assert "21 days now · 30 → 14 days · confidence 7/10" in text
    assert "no value yet · 40 → 70%" in text


def test_reminder_reads_as_a_reminder() -> None:
    assert TEXT.render("checkin_reminder", sample_context("checkin_reminder")).startswith(
        "Reminder, Alice Ortega: your weekly check-in for week 48 of 2026 is still open."
    )
    assert TEXT.render("checkin_prompt", sample_context("checkin_prompt")).endswith(
        "Type `checkin` to answer (it takes about two minutes)."
    )
