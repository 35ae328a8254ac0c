"""The check-in form as a Slack modal, and a submitted modal back into the form's values.

Block ids are the form's field names, so `validate`'s errors go back to Slack unchanged as
`response_action: errors`; Slack keeps every typed value while it shows them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from bot.checkin_form import CheckInForm
from bot.slack.blocks import VIEW_BLOCK_LIMIT, SlackMessages
from messages.filters import truncate_text

CHECKIN_CALLBACK = "checkin"
ERROR_TEXT_LIMIT = 300
NO_KEY_RESULT = "none"
# Blocks around the key results: intro, headers, blockers and wins (2 each), reflections.
_FIXED_BLOCKS = 5


class FormTooLarge(Exception):
    """More key results than one Slack modal can hold."""


def _block_count(form: CheckInForm, *, notes: bool, win_pickers: bool) -> int:
    per_kr = 3 if notes else 2
    pickers = form.max_wins if win_pickers else 0
    return (_FIXED_BLOCKS + per_kr * len(form.key_results) + 2 * (form.max_blockers + form.max_wins) + pickers
            + len(form.questions) + len(form.open_blockers))


def checkin_view(form: CheckInForm, messages: SlackMessages) -> dict[str, Any]:
    """The modal for `form`. With many key results it makes room in steps: first the wins'
    key result pickers go (a win can still be linked with `win #KEY …`), then the notes."""
    for notes, win_pickers in ((True, True), (True, False), (False, False)):
        if _block_count(form, notes=notes, win_pickers=win_pickers) <= VIEW_BLOCK_LIMIT:
            break
    else:
        raise FormTooLarge(
            f"{len(form.key_results)} key results do not fit in one Slack form; "
            "ask an admin to split them across cadences"
        )
    metadata = json.dumps({"form": CHECKIN_CALLBACK, "checkin_id": str(form.checkin_id)})
    context = {"form": asdict(form), "metadata": metadata, "compact": not notes, "win_pickers": win_pickers}
    return messages.view("checkin_modal", context)


def view_state(view: Mapping[str, Any]) -> dict[str, str]:
    """`view.state.values` flattened to {field name: typed text}, as bot.checkin_form expects."""
    values: dict[str, str] = {}
    for block_id, actions in (view.get("state", {}).get("values") or {}).items():
        if not isinstance(actions, Mapping):
            continue
        for action in actions.values():
            values[block_id] = _typed_value(action)
    return values


def _typed_value(action: Mapping[str, Any]) -> str:
    kind = action.get("type")
    if kind == "static_select":
        selected = (action.get("selected_option") or {}).get("value") or ""
        return "" if selected == NO_KEY_RESULT else str(selected)
    if kind == "checkboxes":
        return "true" if action.get("selected_options") else ""
    value = action.get("value")
    return "" if value is None else str(value)


def view_metadata(view: Mapping[str, Any]) -> dict[str, str]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def error_response(errors: Mapping[str, str], view: Mapping[str, Any]) -> dict[str, Any]:
    """`response_action: errors` for the fields present in this modal. A problem with a field
    the modal does not show (should not happen) is attached to the first input, so the person
    always sees why the form was not saved."""
    shown = [block.get("block_id") for block in view.get("blocks", []) if block.get("type") == "input"]
    response: dict[str, str] = {}
    stray: list[str] = []
    for name, message in errors.items():
        if name in shown:
            response[name] = truncate_text(message, ERROR_TEXT_LIMIT)
        else:
            stray.append(message)
    if stray and shown:
        first = str(shown[0])
        response[first] = truncate_text("; ".join([response.get(first, ""), *stray]).strip("; "), ERROR_TEXT_LIMIT)
    return {"response_action": "errors", "errors": response}
