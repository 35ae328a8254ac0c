"""Reading an OKR YAML file into plain specs, with every problem tied to its line.

Only the file is looked at here; owners are matched against the database in okrs.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from storage.importers.checks import email_problem, normalise_email, unknown_name_hint
from storage.importers.source_spec import SourceSpec, read_source
from storage.models import EMAIL_MAX, NAME_MAX, TITLE_MAX
from storage.user_text import without_bidi_controls
from storage.yamlfile import LineMap, YamlError, load_yaml

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
TEAM_PREFIX = "team:"

FILE_KEYS = {"period": False, "outcomes": True}  # key -> required
OUTCOME_KEYS = {"key": True, "title": True, "owner": False, "indicators": False, "period": False, "objectives": False}
OBJECTIVE_KEYS = {"title": True, "owner": False, "period": False, "key_results": False}
KEY_RESULT_KEYS = {
    "key": True, "title": True, "owner": True, "unit": False, "baseline": True, "target": True, "current": False,
    "source": False,
}


@dataclass(frozen=True)
class Owner:
    """A person (by email) or a team (by name), and the line that named it."""

    line: int
    email: str | None = None
    team: str | None = None


@dataclass
class KeyResultSpec:
    line: int
    key: str
    title: str
    owner: Owner | None
    unit: str
    baseline: float | None
    target: float | None
    current: float | None
    has_current: bool
    source: SourceSpec | None = None  # where its value is pulled from (source_spec.py)


@dataclass
class ObjectiveSpec:
    line: int
    title: str
    period: str
    owner: Owner | None
    key_results: list[KeyResultSpec] = field(default_factory=list)


@dataclass
class OutcomeSpec:
    line: int
    key: str
    title: str
    period: str
    owner: Owner | None
    indicators: list[str]
    objectives: list[ObjectiveSpec] = field(default_factory=list)


class _Reader:
    """Walks the loaded YAML, collecting (line, problem) pairs instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []

    def add(self, line: int, text: str) -> None:
        self.problems.append((line, text))

    def mapping(self, value: Any, what: str, line: int, keys: dict[str, bool], *, name_key: str = "") -> LineMap | None:
        """Check a mapping's keys; `what` becomes e.g. "key result 'x'" when `name_key` is set."""
        if not isinstance(value, LineMap):
            self.add(line, f"{what} must be a mapping of keys such as {', '.join(k for k, req in keys.items() if req)}")
            return None
        what = named(what, value, name_key)
        for key in value:
            if key not in keys:
                hint = unknown_name_hint(str(key), keys)
                self.add(value.key_lines[key], f"unknown key {key!r} in {what}{hint}")
        missing = [key for key, required in keys.items() if required and key not in value]
        if missing:
            self.add(value.line, f"{what} is missing {', '.join(missing)}")
        return value

    def items(self, mapping: LineMap, key: str, what: str) -> list[tuple[int, Any]]:
        """The entries of a list under `key`, each with the best line we know for it."""
        value = mapping.get(key)
        line = mapping.key_lines.get(key, mapping.line)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(line, f"{key} in {what} must be a list (each entry starting with '- ')")
            return []
        return [(item.line if isinstance(item, LineMap) else line, item) for item in value]

    def text(self, mapping: LineMap, key: str, what: str, max_length: int) -> str:
        if key not in mapping:
            return ""
        value, line = mapping[key], mapping.key_lines[key]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(line, f"{key} of {what} must be text, not {_kind(value)}")
            return ""
        value = without_bidi_controls(str(value)).strip()
        if not value:
            self.add(line, f"{key} of {what} is empty")
        elif len(value) > max_length:
            self.add(line, f"{key} of {what} is {len(value)} characters long; at most {max_length} fit")
        return value

    def key(self, mapping: LineMap, what: str) -> str:
        value = self.text(mapping, "key", what, 64)
        if value and not _KEY.match(value):
            self.add(mapping.key_lines["key"], f"key {value!r} may hold only letters, digits, '-', '_' and '.'")
        return value

    def number(self, mapping: LineMap, key: str, what: str) -> float | None:
        if key not in mapping or (mapping[key] is None and key == "current"):
            return None
        value = mapping[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(mapping.key_lines[key], f"{key} of {what} must be a number, not {value!r}")
            return None
        if not math.isfinite(value):  # YAML's .inf and .nan
            self.add(mapping.key_lines[key], f"{key} of {what} must be a finite number, not {value!r}")
            return None
        return float(value)

    def owner(self, mapping: LineMap, what: str, *, teams_allowed: bool) -> Owner | None:
        if "owner" not in mapping:
            return None
        line = mapping.key_lines["owner"]
        value = self.text(mapping, "owner", what, EMAIL_MAX)
        if not value:
            return None
        if value.lower().startswith(TEAM_PREFIX):
            team = value[len(TEAM_PREFIX):].strip()
            if not teams_allowed:
                self.add(line, f"owner of {what} must be a person's email, not a team")
            elif not team or len(team) > NAME_MAX:
                self.add(line, f"owner {value!r} of {what} needs a team name after 'team:'")
            else:
                return Owner(line=line, team=team)
            return None
        email = normalise_email(value)
        if email_problem(email, EMAIL_MAX):
            expected = "an email or team:NAME" if teams_allowed else "an email"
            self.add(line, f"owner {value!r} of {what} is not {expected}")
            return None
        return Owner(line=line, email=email)


def named(what: str, data: LineMap, name_key: str) -> str:
    """ "an outcome" → "outcome 'retention'" once the mapping's name is known."""
    name = data.get(name_key) if name_key else None
    if isinstance(name, (str, int, float)) and not isinstance(name, bool) and str(name).strip():
        return f"{what.split(' ', 1)[1]} {str(name).strip()!r}"
    return what


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "empty" if value is None else repr(value)


def read_okr_file(text: str) -> tuple[list[OutcomeSpec], list[tuple[int, str]]]:
    """The outcomes the file describes and every problem in it, as (line, text)."""
    try:
        loaded = load_yaml(text)
    except YamlError as exc:
        message = str(exc).split(": ", 1)[-1] if exc.line else str(exc)
        return [], [(exc.line or 1, f"this is not valid YAML: {message}")]
    reader = _Reader()
    if loaded is None:
        reader.add(1, "the file is empty; it needs `period:` and `outcomes:`")
        return [], reader.problems
    top = reader.mapping(loaded, "the file", 1, FILE_KEYS)
    if top is None:
        return [], reader.problems
    period = reader.text(top, "period", "the file", 16) if "period" in top else ""
    outcomes = [
        _outcome(reader, line, item, period) for line, item in reader.items(top, "outcomes", "the file")
    ]
    outcomes = [outcome for outcome in outcomes if outcome is not None]
    if "period" not in top and any(not outcome.period for outcome in outcomes):
        reader.add(top.line, "the file is missing period (e.g. `period: 2026-Q4` at the top)")
    _duplicates(reader, outcomes)
    return outcomes, reader.problems


def _outcome(reader: _Reader, line: int, item: Any, file_period: str) -> OutcomeSpec | None:
    data = reader.mapping(item, "an outcome", line, OUTCOME_KEYS, name_key="key")
    if data is None:
        return None
    key = reader.key(data, "an outcome")
    what = named("an outcome", data, "key")
    period = reader.text(data, "period", what, 16) or file_period
    indicators = []
    for item_line, indicator in reader.items(data, "indicators", what):
        if isinstance(indicator, (str, int, float)) and not isinstance(indicator, bool) and str(indicator).strip():
            indicators.append(without_bidi_controls(str(indicator)).strip())
        else:
            reader.add(item_line, f"each indicator of {what} must be a line of text")
    outcome = OutcomeSpec(
        line=data.line,
        key=key,
        title=reader.text(data, "title", what, TITLE_MAX),
        period=period,
        owner=reader.owner(data, what, teams_allowed=False),
        indicators=indicators,
    )
    for item_line, item in reader.items(data, "objectives", what):
        objective = _objective(reader, item_line, item, period)
        if objective is not None:
            outcome.objectives.append(objective)
    return outcome


def _objective(reader: _Reader, line: int, item: Any, outcome_period: str) -> ObjectiveSpec | None:
    data = reader.mapping(item, "an objective", line, OBJECTIVE_KEYS, name_key="title")
    if data is None:
        return None
    title = reader.text(data, "title", "an objective", TITLE_MAX)
    what = named("an objective", data, "title")
    objective = ObjectiveSpec(
        line=data.line,
        title=title,
        period=reader.text(data, "period", what, 16) or outcome_period,
        owner=reader.owner(data, what, teams_allowed=True),
    )
    for item_line, kr_item in reader.items(data, "key_results", what):
        kr = reader.mapping(kr_item, "a key result", item_line, KEY_RESULT_KEYS, name_key="key")
        if kr is not None:
            objective.key_results.append(_key_result(reader, kr))
    return objective


def _key_result(reader: _Reader, data: LineMap) -> KeyResultSpec:
    key = reader.key(data, "a key result")
    what = named("a key result", data, "key")
    spec = KeyResultSpec(
        line=data.line,
        key=key,
        title=reader.text(data, "title", what, TITLE_MAX),
        owner=reader.owner(data, what, teams_allowed=False),
        unit=reader.text(data, "unit", what, 32) if data.get("unit") not in (None, "") else "",
        baseline=reader.number(data, "baseline", what),
        target=reader.number(data, "target", what),
        current=reader.number(data, "current", what),
        has_current=data.get("current") is not None,
    )
    if "source" in data:
        spec.source = read_source(data["source"], data.key_lines["source"], what, reader.add)
    if spec.baseline is not None and spec.baseline == spec.target:
        reader.add(data.key_lines["target"], f"target of {what} equals its baseline; a key result must move")
    return spec


def _duplicates(reader: _Reader, outcomes: list[OutcomeSpec]) -> None:
    seen: dict[tuple[str, ...], int] = {}

    def check(identity: tuple[str, ...], line: int, text: str) -> None:
        earlier = seen.setdefault(identity, line)
        if earlier != line:
            reader.add(line, f"{text} is already used on line {earlier}")

    for outcome in outcomes:
        if outcome.key:
            check(("outcome", outcome.key), outcome.line, f"outcome key {outcome.key!r}")
        for objective in outcome.objectives:
            if objective.title:
                identity = ("objective", outcome.key, objective.title, objective.period)
                check(identity, objective.line, f"objective title {objective.title!r} (same outcome and period)")
            for kr in objective.key_results:
                if kr.key:
                    check(("key result", kr.key), kr.line, f"key result key {kr.key!r}")
