"""Template contexts at the storage limits, with hostile text, for the Slack template tests."""

from __future__ import annotations

from typing import Any

from bot.checkin_form import CheckInForm, KRField
from storage.models import NAME_MAX, NOTE_MAX, TEXT_MAX, TITLE_MAX

HOSTILE = "<!channel> <http://evil.example|click here> & <@U0BOSS>"


def longest(prefix: str, limit: int) -> str:
    return (prefix + " " + "w" * limit)[:limit]


LONG_NAME = longest(HOSTILE, NAME_MAX)
LONG_TITLE = longest(HOSTILE, TITLE_MAX)
LONG_TEXT = longest(HOSTILE, TEXT_MAX)
LONG_NOTE = longest(HOSTILE, NOTE_MAX)


def key_result(n: int, **overrides: Any) -> dict[str, Any]:
    kr = {"id": n, "key": f"KR-{n}", "title": LONG_TITLE, "unit": "%", "baseline": 0.0, "target": 100.0,
          "current": 42.5, "confidence": 7, "progress": 0.425}
    kr.update(overrides)
    return kr


def prompt_context(krs: int = 5, *, reminder: bool = False) -> dict[str, Any]:
    return {"checkin_id": 7, "person": {"name": LONG_NAME, "email": "p@example.com"}, "cadence": "weekly",
            "kind": "week", "period": "2026-W48", "period_label": "week 48 of 2026", "reminder": reminder,
            "key_results": [key_result(n) for n in range(1, krs + 1)]}


def checkin_form(krs: int = 5, *, questions: int = 2) -> CheckInForm:
    return CheckInForm(
        checkin_id=7, person_name=LONG_NAME, cadence="monthly", kind="month", period="2026-11",
        period_label="November 2026",
        key_results=tuple(KRField(n, f"KR-{n}", LONG_TITLE, "%", 0.0, 100.0, 42.5 if n % 2 else None,
                                  7 if n % 2 else None) for n in range(1, krs + 1)),
        questions=tuple(longest(HOSTILE, TEXT_MAX) for _ in range(questions)),
    )


def home_context(*, reports: int = 30) -> dict[str, Any]:
    return {
        "known": True, "person": {"name": LONG_NAME, "timezone": "Europe/Berlin"},
        "key_results": [{"key": f"KR-{n}", "title": LONG_TITLE, "unit": "%", "current": None if n == 1 else 10.0,
                         "target": 100.0, "progress": 0.1, "confidence": None if n == 1 else 5} for n in range(1, 21)],
        "blockers": [{"text": LONG_TEXT, "status": "open", "age_days": 12, "key_result": LONG_TITLE} for _ in range(20)],
        "next_checkin": "Monday 30 November at 09:00 (Europe/Berlin)",
        "open_checkin": {"id": 7, "period_label": "week 48 of 2026"},
        "team": {"cadence": "weekly", "period_label": "week 48 of 2026", "answered": 3, "total": reports,
                 "members": [{"name": LONG_NAME, "status": "answered"} for _ in range(min(reports, 20))],
                 "more": max(0, reports - 20)},
    }


def mrkdwn_texts(node: Any) -> list[str]:
    """Every mrkdwn text object in a block tree."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found += mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            found += mrkdwn_texts(item)
    return found


def assert_no_live_markup(node: Any) -> None:
    """User text cannot ping a channel or hide a link: no raw `<` survives in mrkdwn."""
    for text in mrkdwn_texts(node):
        assert "<!channel>" not in text and "<http" not in text and "<@" not in text, text


_LONGEST = {"name": LONG_NAME, "title": LONG_TITLE, "text": LONG_TEXT, "note": LONG_NOTE, "unknown": LONG_TEXT,
            "summary": LONG_TEXT, "usage": LONG_TITLE}


def stretched(value: Any, *, copies: int = 60, fill: str | None = None) -> Any:
    """A sample context at the limits: every name/title/text as long and hostile as storage
    allows, every list of rows repeated `copies` times. With `fill`, texts are that character
    repeated to the limit instead (`&` and `<` grow fivefold or fourfold when escaped)."""
    longest_texts = _LONGEST if fill is None else {k: fill * len(v) for k, v in _LONGEST.items()}
    if isinstance(value, dict):
        return {k: (longest_texts[k] if k in longest_texts and isinstance(v, str) else stretched(v, copies=copies, fill=fill))
                for k, v in value.items()}
    if isinstance(value, list):
        items = [stretched(item, copies=copies, fill=fill) for item in value]
        if items and all(isinstance(item, dict) for item in items):
            return (items * copies)[: max(copies, len(items))]
        return [longest_texts["text"] if isinstance(item, str) else item for item in items]
    return value
