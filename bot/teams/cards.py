"""Adaptive Cards for Teams: templates rendered for the `teams` surface, with a text fallback.

Every message the bot posts in Teams is one Adaptive Card (1.5). Templates live in
messages/templates/teams/; a template that exists only for the text surface is shown line by
line as TextRuns, which Teams never reads as Markdown. The check-in form is the
`checkin_prompt` card, fed from a CheckInForm when the person asks for it (`checkin`), when a
submission comes back with errors, and when the scheduled prompt or reminder is sent
(bot/teams/platform.py builds the form then, as `checkin` does).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.checkin_form import CheckInForm, parse_value, prompt_context
from messages.filters import rich_text
from messages.render import Renderer

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
MAX_CARD_BYTES = 28 * 1024  # Teams rejects larger message payloads
_TRUE = {"true", "yes", "on", "1", "y"}
CHECKIN_CARDS = frozenset({"checkin_prompt", "checkin_reminder"})
COMPACT_LEVELS = (0, 1, 2)
FALLBACK_TEXT = "A message from OutcomeBot"  # our words only: some clients render it as Markdown


class CardTooLarge(ValueError):
    """A rendered card is over Teams' size limit; the message cannot be sent as it is."""


def card_bytes(card: Mapping[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def card_activity(card: Mapping[str, Any], *, activity_id: str | None = None) -> Activity:
    size = card_bytes(card)
    if size > MAX_CARD_BYTES:
        raise CardTooLarge(f"the card is {size} bytes; Teams allows {MAX_CARD_BYTES}")
    return Activity(
        type=ActivityTypes.message,
        id=activity_id,
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=dict(card))],
    )


def text_card(text: str) -> dict[str, Any]:
    """A text template's output as a card: one RichTextBlock of one TextRun per line. Teams
    renders TextBlock text as Markdown; a TextRun shows what a person typed literally."""
    lines = [line for line in text.splitlines() if line.strip()] or [" "]
    body = [rich_text(line, spacing="None") if n else rich_text(line) for n, line in enumerate(lines)]
    return {"type": "AdaptiveCard", "version": CARD_VERSION, "fallbackText": FALLBACK_TEXT, "body": body}


def trimmed_to_fit(card: dict[str, Any]) -> dict[str, Any]:
    """A long listing (a manager's blockers, many OKRs) cut at the end to fit one Teams message,
    saying how much is left out. Cards with inputs are never cut: a form must stay whole."""
    if card_bytes(card) <= MAX_CARD_BYTES or '"Input.' in json.dumps(card):
        return card
    body = list(card.get("body") or [])
    budget = MAX_CARD_BYTES - card_bytes({**card, "body": [_left_out_note(10**6)]}) - 16
    kept: list[dict[str, Any]] = []
    for element in body:
        size = card_bytes(element) + 1
        if size <= budget:
            kept.append(element)
            budget -= size
            continue
        items = element.get("items") if element.get("type") == "Container" else None
        if items:
            shell = card_bytes({**element, "items": []}) + 1
            fitting = _prefix_within(items, budget - shell)
            if fitting:
                kept.append({**element, "items": fitting})
        break
    left_out = _count_lines(body) - _count_lines(kept)
    return {**card, "body": [*kept, _left_out_note(left_out)]}


def _prefix_within(items: list[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    fitting = []
    for item in items:
        budget -= card_bytes(item) + 1
        if budget < 0:
            break
        fitting.append(item)
    return fitting


def _count_lines(elements: list[dict[str, Any]]) -> int:
    return sum(_count_lines(e["items"]) if e.get("type") == "Container" else 1 for e in elements)


def _left_out_note(count: int) -> dict[str, Any]:
    return {"type": "TextBlock", "wrap": True, "isSubtle": True, "separator": True,
            "text": f"… {count} more lines are not shown: a Teams message has a size limit."}


def prefill_from(values: Mapping[str, str]) -> dict[str, Any]:
    """What a person typed, in the shape card inputs take (Input.Number wants a number)."""
    prefill: dict[str, Any] = {}
    for name, raw in values.items():
        text = "" if raw is None else str(raw)
        if name.endswith(".value"):
            try:
                prefill[name] = parse_value(text) if text.strip() else None
            except ValueError:
                prefill[name] = None  # the error message repeats what was typed
        elif name.endswith(".share"):
            prefill[name] = "true" if text.strip().lower() in _TRUE else "false"
        else:
            prefill[name] = text
    return prefill


class TeamsCards:
    """Renders templates into Adaptive Card dicts for Teams."""

    def __init__(self, *, teams: Renderer | None = None, text: Renderer | None = None) -> None:
        self.teams = teams or Renderer("teams")
        self.text = text or Renderer("text")
        self._own = set(self.teams.template_names())

    def render(self, template: str, context: Mapping[str, Any]) -> dict[str, Any]:
        """The Teams card for a template; the text template as literal lines when Teams has none."""
        if template in CHECKIN_CARDS:
            return self._fitted(template, context)
        if template in self._own:
            return trimmed_to_fit(self.teams.render(template, context))
        return trimmed_to_fit(text_card(self.text.render(template, context)))

    def _fitted(self, template: str, context: Mapping[str, Any]) -> dict[str, Any]:
        """The check-in card, made more compact step by step until it fits Teams' limit.

        Level 2 shows one blocker and one win; it is skipped when the person typed into the
        others, so nothing they typed disappears (the oversized card then fails loudly)."""
        card: dict[str, Any] = {}
        for level in COMPACT_LEVELS:
            if level == 2 and _typed_beyond_first(context.get("prefill") or {}):
                break
            card = self.teams.render(template, {**context, "compact": level})
            if card_bytes(card) <= MAX_CARD_BYTES:
                break
        return card

    def checkin_form(
        self,
        form: CheckInForm,
        *,
        values: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        template: str = "checkin_prompt",
    ) -> dict[str, Any]:
        """The form as a card: for `checkin`, a submission shown again, and the scheduled
        prompt and reminder (`template`), so all of them list the same fields and starting answers."""
        if template not in CHECKIN_CARDS:
            raise ValueError(f"{template!r} is not a check-in card")
        context = prompt_context(form)
        context["prefill"] = prefill_from(values or form.prefill)  # typed, else submitted (editing)
        context["errors"] = dict(errors or {})
        return self.render(template, context)


def _typed_beyond_first(prefill: Mapping[str, Any]) -> bool:
    return any(
        value and value != "false" and name.split(".")[0] in ("blocker", "win") and name.split(".")[1] != "1"
        for name, value in prefill.items()
    )
