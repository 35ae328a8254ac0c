"""The check-in form, platform-neutral: what it asks, its field names, and validation.

Every surface (console questions, Slack modal, Teams card) shows a `CheckInForm` and sends
back a flat `{field name: typed text}` mapping; `validate` turns that into a
`CheckInAnswers` or into per-field error messages that say what was typed and what is wanted.

Field names:
  kr.<id>.value, kr.<id>.confidence, kr.<id>.note      one set per key result
  blocker.<n>.text, blocker.<n>.kr                      n = 1..MAX_BLOCKERS; kr is a key result id or ""
  win.<n>.text, win.<n>.kr, win.<n>.share               share is "true"/"yes"/"on" to allow the team channel;
                                                        kr (optional) the key result it advanced, as for blockers
  reflection.<n>                                        n = 1..len(questions), monthly check-ins
  blocker.open.<id>                                     "still" or "resolved": a blocker from an earlier
                                                        check-in, listed instead of being typed again
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from storage.models import NOTE_MAX, TEXT_MAX, progress_between

MAX_BLOCKERS = 3
MAX_WINS = 3
MAX_OPEN_BLOCKERS = 5  # earlier blockers listed in the form (oldest first); more are in `blockers`
STILL, RESOLVED = "still", "resolved"
_OPEN_FIELD = re.compile(r"^blocker\.open\.(\d+)$")
_TRUE = {"true", "yes", "on", "1", "y"}


@dataclass(frozen=True, slots=True)
class KRField:
    id: int
    key: str
    title: str
    unit: str
    baseline: float
    target: float
    current: float | None  # last value, shown as the starting point
    confidence: int | None  # last confidence
    current_source: str | None = None  # the tool that reported `current` (API, pull source), if not a check-in


@dataclass(frozen=True, slots=True)
class OpenBlocker:
    """A blocker raised in an earlier check-in and not resolved: "still blocking" or "resolved"."""

    id: int
    text: str
    age_days: int = 0


@dataclass(frozen=True, slots=True)
class CheckInForm:
    checkin_id: int
    person_name: str
    cadence: str
    kind: str  # week | month
    period: str
    period_label: str
    key_results: tuple[KRField, ...]
    questions: tuple[str, ...] = ()  # monthly reflection questions
    max_blockers: int = MAX_BLOCKERS
    max_wins: int = MAX_WINS
    # Starting answers by field name: the submitted ones when a check-in is edited.
    prefill: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    open_blockers: tuple[OpenBlocker, ...] = ()

    @property
    def editing(self) -> bool:
        return bool(self.prefill)

    def field_names(self) -> list[str]:
        names: list[str] = []
        for kr in self.key_results:
            names += [f"kr.{kr.id}.value", f"kr.{kr.id}.confidence", f"kr.{kr.id}.note"]
        for n in range(1, self.max_blockers + 1):
            names += [f"blocker.{n}.text", f"blocker.{n}.kr"]
        for n in range(1, self.max_wins + 1):
            names += [f"win.{n}.text", f"win.{n}.kr", f"win.{n}.share"]
        names += [f"reflection.{n}" for n in range(1, len(self.questions) + 1)]
        names += [f"blocker.open.{blocker.id}" for blocker in self.open_blockers]
        return names


def prompt_context(form: CheckInForm) -> dict[str, Any]:
    """The `checkin_prompt` template context for a form (the shape the planner puts in the
    outbox), plus what a surface needs to draw the form itself."""
    return {
        "checkin_id": form.checkin_id,
        "person": {"name": form.person_name, "email": ""},
        "cadence": form.cadence,
        "kind": form.kind,
        "period": form.period,
        "period_label": form.period_label,
        "reminder": False,
        "key_results": [
            {"id": kr.id, "key": kr.key, "title": kr.title, "unit": kr.unit, "baseline": kr.baseline,
             "target": kr.target, "current": kr.current, "confidence": kr.confidence, "current_source": kr.current_source,
             "progress": progress_between(kr.baseline, kr.target, kr.current)}
            for kr in form.key_results
        ],
        "questions": list(form.questions),
        "max_blockers": form.max_blockers,
        "max_wins": form.max_wins,
        "open_blockers": [{"id": b.id, "text": b.text, "age_days": b.age_days} for b in form.open_blockers],
    }


@dataclass(frozen=True, slots=True)
class KRAnswer:
    key_result_id: int
    value: float
    confidence: int
    note: str = ""


@dataclass(frozen=True, slots=True)
class BlockerAnswer:
    text: str
    key_result_id: int | None = None


@dataclass(frozen=True, slots=True)
class WinAnswer:
    text: str
    share: bool = False
    key_result_id: int | None = None  # the key result it advanced; its announcement names the outcome


@dataclass(frozen=True, slots=True)
class CheckInAnswers:
    checkin_id: int
    key_results: tuple[KRAnswer, ...]
    blockers: tuple[BlockerAnswer, ...] = ()
    wins: tuple[WinAnswer, ...] = ()
    reflections: Mapping[str, str] = field(default_factory=dict)  # question → answer
    resolved_blockers: tuple[int, ...] = ()  # earlier blockers the person marked resolved


def parse_value(text: str) -> float:
    """A key result value as people type it: "12", "12.5", "12,5", "1 200", "40%"."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").rstrip("%")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def check_value(text: str, kr: KRField) -> tuple[float | None, str | None]:
    if not text.strip():
        return None, f"the new value of “{kr.title}” is needed (last: {_fmt(kr.current)})"
    try:
        return parse_value(text), None
    except ValueError:
        unit = f" {kr.unit}" if kr.unit else ""
        return None, f"the value is a number{unit}, like {_fmt(kr.current if kr.current is not None else kr.baseline)}; you typed '{text.strip()}'"


def check_confidence(text: str) -> tuple[int | None, str | None]:
    stripped = text.strip()
    if stripped.isdigit() and 0 <= int(stripped) <= 10:
        return int(stripped), None
    if not stripped:
        return None, "confidence is needed: a whole number from 0 (no chance) to 10 (certain)"
    return None, f"confidence is a whole number from 0 to 10; you typed '{stripped}'"


def check_text(text: str, limit: int, what: str) -> tuple[str, str | None]:
    stripped = text.strip()
    if len(stripped) > limit:
        return stripped, f"{what} can be at most {limit} characters; this one has {len(stripped)}"
    return stripped, None


def _fmt(value: float | None) -> str:
    if value is None:
        return "none yet"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def validate(form: CheckInForm, values: Mapping[str, str]) -> tuple[CheckInAnswers | None, dict[str, str]]:
    """Check every field; return the answers, or every problem by field name (never both)."""
    errors: dict[str, str] = {}
    krs: list[KRAnswer] = []
    known_krs = {str(kr.id): kr.id for kr in form.key_results}

    def get(name: str) -> str:
        return str(values.get(name) or "")

    for kr in form.key_results:
        value, problem = check_value(get(f"kr.{kr.id}.value"), kr)
        if problem:
            errors[f"kr.{kr.id}.value"] = problem
        confidence, problem = check_confidence(get(f"kr.{kr.id}.confidence"))
        if problem:
            errors[f"kr.{kr.id}.confidence"] = problem
        note, problem = check_text(get(f"kr.{kr.id}.note"), NOTE_MAX, "a note")
        if problem:
            errors[f"kr.{kr.id}.note"] = problem
        if value is not None and confidence is not None:
            krs.append(KRAnswer(kr.id, value, confidence, note))

    blockers: list[BlockerAnswer] = []
    for n in range(1, form.max_blockers + 1):
        text, problem = check_text(get(f"blocker.{n}.text"), TEXT_MAX, "a blocker")
        if problem:
            errors[f"blocker.{n}.text"] = problem
        link = get(f"blocker.{n}.kr").strip()
        if link and link not in known_krs:
            errors[f"blocker.{n}.kr"] = "pick one of your key results, or leave it empty"
        elif text:
            blockers.append(BlockerAnswer(text, known_krs.get(link)))

    wins: list[WinAnswer] = []
    for n in range(1, form.max_wins + 1):
        text, problem = check_text(get(f"win.{n}.text"), TEXT_MAX, "a win")
        if problem:
            errors[f"win.{n}.text"] = problem
        link = get(f"win.{n}.kr").strip()
        if link and link not in known_krs:
            errors[f"win.{n}.kr"] = "pick one of your key results, or leave it empty"
        elif text and not problem:
            wins.append(WinAnswer(text, get(f"win.{n}.share").strip().lower() in _TRUE, known_krs.get(link)))

    reflections: dict[str, str] = {}
    for n, question in enumerate(form.questions, start=1):
        text, problem = check_text(get(f"reflection.{n}"), TEXT_MAX, "an answer")
        if problem:
            errors[f"reflection.{n}"] = problem
        elif text:
            reflections[question] = text

    resolved = []
    for name, value in values.items():
        found = _OPEN_FIELD.match(str(name))
        if found and str(value or "").strip().lower() == RESOLVED:
            resolved.append(int(found.group(1)))  # only the person's own are changed (storage)

    if errors:
        return None, errors
    return CheckInAnswers(form.checkin_id, tuple(krs), tuple(blockers), tuple(wins), reflections,
                          tuple(sorted(resolved))), {}
