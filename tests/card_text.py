"""What a person reads on an Adaptive Card, and where on the card each string sits.

Teams renders TextBlock text and FactSet facts as Markdown (`[label](url)` links, `**bold**`,
lists); a RichTextBlock's TextRuns are shown literally. These helpers let tests read a card line
by line and check that user text only ever lands where Teams shows it as typed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Where a string is shown literally (or not shown at all): TextRun text, anything inside an
# input (prefilled values, labels, choice titles — inputs are not Markdown), and the data an
# action sends back to the bot.
LITERAL = "literal"


def card_lines(card: Any) -> list[str]:
    """Every TextBlock text and every RichTextBlock (its runs joined), in reading order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(node.get("text", ""))
            elif node.get("type") == "RichTextBlock":
                found.append("".join(run["text"] if isinstance(run, dict) else run for run in node["inlines"]))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def placed_strings(node: Any, place: str = "card") -> Iterator[tuple[str, str]]:
    """(place, string) for every string in a card; place is LITERAL or a path like
    "TextBlock.text", "Fact.value", "AdaptiveCard.fallbackText"."""
    if isinstance(node, str):
        yield place, node
    elif isinstance(node, list):
        for item in node:
            yield from placed_strings(item, place)
    elif isinstance(node, dict):
        kind = str(node.get("type", "Fact" if {"title", "value"} <= node.keys() else place))
        for key, value in node.items():
            if (kind == "TextRun" and key == "text") or kind.startswith("Input.") or (kind.startswith("Action.") and key == "data"):
                yield from placed_strings(value, LITERAL)
            elif place == LITERAL:
                yield from placed_strings(value, LITERAL)
            else:
                yield from placed_strings(value, f"{kind}.{key}")


def markup_places(card: Any, marker: str) -> list[str]:
    """Where on the card `marker` appears outside literal places (empty when none)."""
    return sorted({place for place, text in placed_strings(card) if marker in text and place != LITERAL})


def literal_texts(card: Any) -> list[str]:
    return [text for place, text in placed_strings(card) if place == LITERAL]
