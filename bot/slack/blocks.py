"""Turn a template name and context into a Slack message or view.

A Slack template renders either a message object (`{"text": ..., "blocks": [...]}`), a bare
list of blocks, or a view (`{"type": "modal" | "home", ...}`). When the Slack surface has
no template of that name, the text template is shown escaped in a plain section, so every
message the core can send reaches Slack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import Block

from messages.filters import escape_mrkdwn, truncate_text
from messages.render import Renderer, TemplateNotFound

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
SECTION_TEXT_LIMIT = 3000
NOTIFICATION_TEXT_LIMIT = 3000


class SlackRenderError(Exception):
    """A template did not produce something Slack accepts; the reason says which and why."""


class SlackMessages:
    """Renders Slack messages and views from the shared templates."""

    def __init__(self, *, slack: Renderer | None = None, text: Renderer | None = None) -> None:
        self.slack = slack or Renderer("slack")
        self.text = text or Renderer("text")
        self._slack_names = set(self.slack.template_names())
        self._text_names = set(self.text.template_names())

    def has_slack_template(self, name: str) -> bool:
        return name in self._slack_names

    def message(self, name: str, context: Mapping[str, Any]) -> dict[str, Any]:
        """`{"text", "blocks"}` for chat.postMessage / chat.update / respond."""
        if name in self._slack_names:
            rendered = self.slack.render(name, context)
            if isinstance(rendered, list):
                rendered = {"blocks": rendered}
            if not isinstance(rendered, dict) or not isinstance(rendered.get("blocks"), list):
                raise SlackRenderError(f"slack template {name!r} must render blocks")
            # Slack parses the notification `text` as mrkdwn too: a template escapes its own,
            # the plain-text fallback is escaped here.
            text = rendered.get("text") or escape_mrkdwn(self._plain_text(name, context) or "OutcomeBot")
            return {"text": truncate_text(text, NOTIFICATION_TEXT_LIMIT), "blocks": fit_text_limits(rendered["blocks"])}
        if name in self._text_names:
            text = self.text.render(name, context)
            return {"text": truncate_text(escape_mrkdwn(text), NOTIFICATION_TEXT_LIMIT), "blocks": text_blocks(text)}
        raise TemplateNotFound(f"no slack or text template {name!r}")

    def view(self, name: str, context: Mapping[str, Any]) -> dict[str, Any]:
        """A modal or App Home view, from a Slack template (views have no text fallback)."""
        view = self.slack.render(name, context)
        if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
            raise SlackRenderError(f"slack template {name!r} must render a modal or home view")
        view["blocks"] = fit_text_limits(view.get("blocks", []))
        return view

    def _plain_text(self, name: str, context: Mapping[str, Any]) -> str | None:
        if name not in self._text_names:
            return None
        try:
            return self.text.render(name, context)
        except Exception:  # the notification text is a courtesy; the blocks are the message
            return None


# Longest text Slack accepts per place (Block Kit reference). Escaping makes user text up to five
# times longer (`&` → `&amp;`), so templates cannot always know the final length.
_TEXT_LIMITS = {"section": 3000, "header": 150, "context": 3000, "field": 2000, "button": 75, "option": 75}


def fit_text_limits(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Clip text objects that escaping pushed over Slack's limits, never inside an entity."""

    def clip(text_object: Any, limit: int) -> None:
        if isinstance(text_object, dict) and isinstance(text_object.get("text"), str):
            text_object["text"] = truncate_text(text_object["text"], limit)

    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header"):
            clip(block.get("text"), _TEXT_LIMITS[kind])
            for field in block.get("fields") or ():
                clip(field, _TEXT_LIMITS["field"])
        elif kind == "context":
            for element in block.get("elements") or ():
                clip(element, _TEXT_LIMITS["context"])
        for element in [block.get("accessory"), *(block.get("elements") or ())]:
            if not isinstance(element, dict):
                continue
            if element.get("type") == "button":
                clip(element.get("text"), _TEXT_LIMITS["button"])
            for option in element.get("options") or ():
                clip(option.get("text"), _TEXT_LIMITS["option"])
    return blocks


def text_blocks(text: str) -> list[dict[str, Any]]:
    """Plain text as escaped mrkdwn sections, split to Slack's section length without ever
    cutting an escape like `&lt;` in half."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for char in text or " ":
        token = escape_mrkdwn(char)
        if size + len(token) > SECTION_TEXT_LIMIT:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(token)
        size += len(token)
    chunks.append("".join(current))
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks[:MESSAGE_BLOCK_LIMIT]]


def validate_blocks(blocks: list[dict[str, Any]], *, limit: int = MESSAGE_BLOCK_LIMIT) -> list[dict[str, Any]]:
    """Parse every block with slack_sdk's models and serialise it back (which checks nested
    limits); raises SlackRenderError naming the first problem. Returns the serialised blocks."""
    if len(blocks) > limit:
        raise SlackRenderError(f"{len(blocks)} blocks; Slack allows at most {limit} here")
    checked = []
    for index, raw in enumerate(blocks):
        try:
            block = Block.parse(raw)
            if block is None:
                raise ValueError("not a block")
            checked.append(block.to_dict())
        except Exception as exc:
            raise SlackRenderError(f"block {index} ({raw.get('type')!r}) is invalid: {exc}") from None
    return checked


def validate_view(view: dict[str, Any]) -> dict[str, Any]:
    """Check a modal/home view through slack_sdk.models.views.View (blocks ≤ 100)."""
    from slack_sdk.models.views import View

    validate_blocks(view.get("blocks", []), limit=VIEW_BLOCK_LIMIT)
    try:
        return View(**view).to_dict()
    except Exception as exc:
        raise SlackRenderError(f"view is invalid: {exc}") from None
