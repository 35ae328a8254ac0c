"""Filters that make user text safe for the surface it lands on."""

from __future__ import annotations

import json
from typing import Any

_MRKDWN = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape_mrkdwn(value: Any) -> str:
    """Slack mrkdwn control characters: no `<!channel>`, no `<http://x|disguised link>`."""
    return "" if value is None else str(value).translate(_MRKDWN)


def to_json(value: Any) -> str:
    """JSON literal for any value; the only way values enter JSON templates."""
    return json.dumps(value, ensure_ascii=False)


def text_run(value: Any, **style: Any) -> dict[str, Any]:
    """An Adaptive Card TextRun. Teams renders TextBlock text as Markdown (`[label](url)`,
    `**bold**`, lists) but a TextRun's text literally, so every piece of user text on a Teams
    card goes into one. `style`: TextRun properties such as weight="Bolder", isSubtle=True."""
    return {"type": "TextRun", "text": "" if value is None else str(value), **style}


_RUN_STYLES = frozenset({"color", "fontType", "highlight", "isSubtle", "italic", "size", "strikethrough",
                         "underline", "weight"})


def rich_text(parts: Any, **props: Any) -> dict[str, Any]:
    """A RichTextBlock: `parts` is one string or a list of strings and TextRuns. Styles a
    TextBlock would take (weight, size, color, isSubtle, …) become every run's default;
    element properties (spacing, separator, …) stay on the block. Empty runs are dropped."""
    parts = [parts] if isinstance(parts, (str, dict)) else list(parts)
    style = {k: v for k, v in props.items() if k in _RUN_STYLES}
    block = {k: v for k, v in props.items() if k not in _RUN_STYLES}
    runs = [{**style, **part} if isinstance(part, dict) else text_run(part, **style) for part in parts]
    inlines = [run for run in runs if run["text"]] or [text_run(" ")]
    return {"type": "RichTextBlock", "inlines": inlines, **block}


def progress_bar(fraction: float | None, width: int = 10) -> str:
    fraction = 0.0 if fraction is None else max(0.0, min(1.0, float(fraction)))
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


def percent(fraction: float | None) -> str:
    return "0%" if fraction is None else f"{round(max(0.0, min(1.0, float(fraction))) * 100)}%"


def number(value: float | int | None) -> str:
    """1.0 → "1", 2.50 → "2.5", None → "—"."""
    if value is None:
        return "—"
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def truncate_text(value: Any, limit: int) -> str:
    """At most `limit` characters, ending in "…" when cut; never splits an `&amp;`-style entity,
    so text escaped for Slack can be clipped after escaping (escaping can make it 5× longer)."""
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


FILTERS = {
    "mrkdwn": escape_mrkdwn,
    "tojson": to_json,
    "bar": progress_bar,
    "pct": percent,
    "num": number,
    "clip": truncate_text,
    "textrun": text_run,
    "richtext": rich_text,
}
